"""The voice of the customer: masked comments and the call-back list (closed loop).

``callbacks.call_backs(survey, tickets, cutoff)`` finds whom to call back;
``masking.mask(text)`` takes personal details out of a comment.
"""

from cxlib.voice.callbacks import CALL_BACK_FILE, CallBacks, call_backs
from cxlib.voice.masking import mask

__all__ = ["CALL_BACK_FILE", "CallBacks", "call_backs", "mask"]
