"""R ``coxph`` (Efron ties) on the Rossi recidivism data: published reference figures.

Source: the project's method reference ``CX_METHOD.md``, section "Survival of
customers" (R ``coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar +
paro + prio, data = Rossi)``, Efron ties, R's default; statsmodels and
lifelines agree with these). The model is the worked example of Fox &
Weisberg, "Cox Proportional-Hazards Regression for Survival Data in R"
(appendix to *An R Companion to Applied Regression*). The data ship with
lifelines (``lifelines.datasets.load_rossi``: 432 people, 114 arrests), with
the coding used here (fin, race, wexp, mar, paro as 0/1).

Standard errors are not printed to 7 digits there; the tests take them from
lifelines (an independent implementation) instead.
"""

COEF = {
    "fin": -0.3794222,
    "age": -0.0574377,
    "race": 0.3138998,
    "wexp": -0.1497957,
    "mar": -0.4337039,
    "paro": -0.0848711,
    "prio": 0.0914971,
}
LOGLIK = -658.747659
LR_TEST = 33.2659
N, EVENTS = 432, 114
