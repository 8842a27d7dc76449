"""The maturity analysis of one client: the assessment of its answers and the data basis.

:func:`analyse` is the first of the section's two steps (numbers and tables,
no words); :func:`cxlib.maturity.view.section` words the result in one
language. Notebook ``01-reifegrad`` calls both.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxlib.io.loading import ClientData
from cxlib.io.overview import DataOverview, describe
from cxlib.maturity.assessment import MaturityResult, assess
from cxlib.parameters.schema import ClientParameters
from cxlib.report.testing import TestFamily

#: The tables the maturity section's data basis describes.
BASIS_TABLES = ("maturity",)


@dataclass(frozen=True)
class MaturityAnalysis:
    """The maturity section's numbers for one client.

    ``assessment`` is None when the client has no maturity answers;
    ``client`` is the client's name (it appears in the chart legend and the
    readings); ``overview`` describes the answers table (the data basis).
    """

    client: str
    assessment: MaturityResult | None
    overview: DataOverview


def analyse(
    params: ClientParameters, data: ClientData, tests: TestFamily | None = None
) -> MaturityAnalysis:
    """Assess the client's maturity answers with the options of its parameter file.

    ``tests`` (the report's testing family) is part of the common contract;
    the maturity section states no tested differences, so it is not used.
    """
    answers = data.get("maturity")
    assessment = None
    if answers is not None:
        options = params.analysis.maturity
        source = params.resolve(options.questionnaire) if options.questionnaire else None
        assessment = assess(answers, source, options=options)
    overview = describe(data, list(BASIS_TABLES), "maturity")
    return MaturityAnalysis(params.client.name, assessment, overview)
