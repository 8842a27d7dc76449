"""Journey selection (seed 003): the selection rule, evidence per phase, the 1-3-3 action plan, the
symptom checklist and the journey section.
"""
