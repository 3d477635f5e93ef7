"""The words of each claim: what the article says, what is claimed, tested and not shown.

Every claim of the registry (:data:`loyaltystats.claims.registry.CLAIMS`) has a
:class:`ClaimText`: the sentence(s) of the seed article it comes from, quoted verbatim in
Dutch with an English translation, the claimed figure or region in plain words (the region
its verdict is decided on, :data:`loyaltystats.simulate.estimands.SPECS`), what the library
estimates to decide it, what observational data of this kind cannot show, and the research
literature that bears on it. :func:`claims_page_markdown` renders all of it, with the
registry, as the docs page "The claims" (the material of the project's claims digest).

Examples
--------
>>> CLAIM_TEXTS["S1"].quote_source
'001'
>>> "57%" in CLAIM_TEXTS["S1"].seed_quote
True
"""

# Over 600 lines on purpose: most of this file is prose (the words of 21 claims and the
# digest's literature), kept beside the dataclass that types it and the one function that
# renders it; the code itself is under 200 lines.

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .registry import CLAIMS, SOURCES, Claim

__all__ = ["ClaimText", "CLAIM_TEXTS", "claims_page_markdown"]


@dataclass(frozen=True)
class ClaimText:
    """What a claim says in its article and in plain words, and what its test can show.

    Attributes
    ----------
    seed_quote : str
        The sentence(s) of the seed article the claim comes from, verbatim in Dutch.
    seed_quote_en : str
        A faithful English translation of ``seed_quote``.
    claimed_words : str
        The claimed figure or region in plain words, as the verdict is decided on it.
    tested_as : str
        What the library estimates to decide the claim, in words.
    caveats : str
        What observational data of this kind cannot show.
    literature : tuple of str
        References that bear on the claim, ``"Author (Journal Year): finding"``; empty when
        the literature the claims rest on says nothing about it.
    quote_source : str
        The seed (a key of :data:`~loyaltystats.claims.registry.SOURCES`) ``seed_quote`` is
        taken from, one of the claim's sources.

    Examples
    --------
    >>> text = CLAIM_TEXTS["T2"]
    >>> text.seed_quote_en.startswith("We call these basics")
    True
    >>> text.literature
    ()
    """

    seed_quote: str
    seed_quote_en: str
    claimed_words: str
    tested_as: str
    caveats: str
    literature: tuple[str, ...]
    quote_source: str


# ----------------------------------------------------------------------------------------
# the literature of the claims digest, one line per finding
# ----------------------------------------------------------------------------------------
_ZENDESK = ("Zendesk (CX Trends report 2020): about 50% of customers would switch after one "
            "bad experience, about 80% after several")
_RUBY = "Ruby (vendor survey): about 25% would switch after one bad experience, 92% after three"
_VERINT = "Verint (vendor survey): about 60% would switch after one bad experience"
_JONES_SASSER = ("Jones & Sasser (Harvard Business Review 1995): Xerox customers giving 5 on a "
                 "5-point scale were six times more likely to repurchase within 18 months than "
                 "those giving 4; the top box, not 'satisfied', carries loyalty")
_REICHHELD = ("Reichheld (Harvard Business Review 2003): NPS is % promoters (9-10) minus % "
              "detractors (0-6) on a 0-10 likelihood-to-recommend item")
_KEININGHAM = ("Keiningham et al. (Journal of Marketing 2007): NPS is no better than other "
               "satisfaction and loyalty measures at predicting growth")
_MITTAL = ("Mittal & Kamakura (Journal of Marketing Research 2001): the same rated "
           "satisfaction gives different repurchase rates by customer characteristics, so "
           "thresholds differ by segment")
_BOLTON = ("Bolton (Marketing Science 1998): in a proportional-hazards model of relationship "
           "duration, prior satisfaction lengthens the relationship, more so for long-tenure "
           "customers")
_DE_MATOS = ("de Matos, Henrique & Rossi (Journal of Service Research 2007): in a "
             "meta-analysis the recovery paradox shows on satisfaction but not on repurchase "
             "intention or word of mouth")
_MAXHAM = ("Maxham & Netemeyer (Journal of Marketing 2002): the recovery paradox appears "
           "after one failure, not after two")
_NILSSON_WITELL = ("Nilsson-Witell & Fundin (International Journal of Service Industry "
                   "Management 2005): an e-service moved from indifferent to attractive, with "
                   "early adopters already rating it one-dimensional or must-be")
_BERGER = ("Berger et al. (Center for Quality of Management Journal 1993): the Kano "
           "questionnaire's evaluation table and the better / worse coefficients")
_DIXON = ("Dixon, Freeman & Toman (Harvard Business Review 2010): reducing customer effort "
          "predicts loyalty better than exceeding expectations")
_DE_HAAN = ("de Haan, Verhoef & Wiesel (International Journal of Research in Marketing "
            "2015): across service industries the Customer Effort Score predicts retention no "
            "better than top-box satisfaction or NPS")

# ----------------------------------------------------------------------------------------
# the texts, one per registry claim
# ----------------------------------------------------------------------------------------
_TEXTS: dict[str, ClaimText] = {
    "T1": ClaimText(
        seed_quote="Verwachtingen waarmaken leidt tot een 8, verwachtingen overtreffen tot "
                   "een 9+.",
        seed_quote_en="Meeting expectations leads to an 8, exceeding expectations to a 9+.",
        claimed_words="Answers whose expectations were met have a median grade of 8 (8 or "
                      "more, below 9); answers whose expectations were exceeded a median of "
                      "9 or 10.",
        tested_as="The median survey grade (1-10) of the answers whose expectation was met and "
                  "of those where it was exceeded, each with a confidence interval, over all "
                  "surveyed answers.",
        caveats="Whether expectations were met is reported by the same respondent in the same "
                "survey as the grade, so the two are not independent measurements. A median "
                "of whole grades says 8 or 9, not how far within the grade the answers lie.",
        literature=(_DIXON,),
        quote_source="001",
    ),
    "T2": ClaimText(
        seed_quote="We noemen dit basics en zijn, als je ze perfect uitvoert, niet voldoende "
                   "om een score hoger dan 8,5 te krijgen.",
        seed_quote_en="We call these basics, and even when you execute them perfectly they are "
                      "not enough to get a score higher than 8.5.",
        claimed_words="With every basic attribute rated at its best and no delighter present, "
                      "the grade is at most 8.5.",
        tested_as="The grade predicted by a regression on the ratings of the basic attributes "
                  "and the delighter (each as a factor) at the best rating of every basic and "
                  "no delighter, with a confidence interval, compared with 8.5.",
        caveats="The ceiling is a model prediction at one corner of the ratings, where few "
                "respondents may sit; the ratings of the basics come from the same customers "
                "as the grade. It shows what the data predicts, not what a company would get "
                "by perfecting its basics.",
        literature=(),
        quote_source="001",
    ),
    "T3": ClaimText(
        seed_quote="Bij het vervullen van de basisbehoefte (‘ik krijg waar ik behoefte aan "
                   "had’) geven klanten meestal een waardering van 6 of 7. Pas als het hen erg "
                   "gemakkelijk of aangenaam is gemaakt, stijgt deze waardering naar een 8 of "
                   "soms 8+. Maar een 9, zo zeggen de auteurs, krijg je pas als je erin slaagt "
                   "een beleving ook echt bijzonder te maken.",
        seed_quote_en="When a basic need is fulfilled ('I get what I needed'), customers "
                      "usually give a rating of 6 or 7. Only when it has been made very easy "
                      "or pleasant for them does this rating rise to an 8 or sometimes 8+. "
                      "But a 9, the authors say, you only get when you manage to make an "
                      "experience truly special.",
        claimed_words="Median grade 6 or 7 when a basic need is met, 8 when the experience was "
                      "easy or pleasant, 9 or 10 only when it was special (enjoyable).",
        tested_as="The median survey grade per experience tier (meets needs, easy, enjoyable), "
                  "each with a confidence interval, over all surveyed answers.",
        caveats="The experience tier must be in the data; how it was assigned (by the "
                "customer, by staff, by a model) decides what the medians mean. The claim "
                "comes second-hand from the book 'Outside-In', whose own data are not "
                "available.",
        literature=(),
        quote_source="003",
    ),
    "T4": ClaimText(
        seed_quote="Door op enkele Momenten van de Waarheid de klant emotioneel te raken (9+) "
                   "in combinatie met een dienstverlening die oké (7+) is, die dus klopt, voelt "
                   "de klant zich echt op de eerste plaats staan (Customer First).",
        seed_quote_en="By touching the customer emotionally (9+) at a few Moments of Truth, in "
                      "combination with service that is OK (7+), that is, that is right, the "
                      "customer really feels they come first (Customer First).",
        claimed_words="An emotional peak does more on top of OK service than without it: the "
                      "interaction of OK service and a peak on the log-odds of feeling put "
                      "first is above 0.25 (the peak raises the odds at least 1.28 times more "
                      "with OK service).",
        tested_as="The interaction of 'baseline OK' (the customer's recent grades average 7 or "
                  "more) and 'peak' (a grade of 9+) in a logistic model of feeling put first, "
                  "with a confidence interval, against the smallest effect of interest.",
        caveats="Peaks and OK service are observed, not assigned: customers who get a peak may "
                "differ in other ways. 'Feeling put first' is a survey answer, and OK service "
                "and the peak are read from the same customer's grades.",
        literature=(),
        quote_source="002",
    ),
    "T5": ClaimText(
        seed_quote="De gesprekken die je voor de crisis met klanten over het model had, "
                   "concentreerden zich vrijwel altijd op de lagen ‘Tevredenheid’ en "
                   "‘Loyaliteit’ en over de onverwacht lastige hobbel die je moet nemen om van "
                   "tevreden klanten loyale klanten te maken. Tevreden betekent niet "
                   "vanzelfsprekend ook loyaal en kent heel andere drivers.",
        seed_quote_en="The conversations you had with clients about the model before the "
                      "crisis almost always centred on the layers 'Satisfaction' and "
                      "'Loyalty' and on the unexpectedly difficult hurdle you have to take to "
                      "turn satisfied customers into loyal ones. Satisfied does not "
                      "automatically mean loyal, and it has quite different drivers.",
        claimed_words="Retention over the first 12 months steps up at a grade of 8 or higher "
                      "(the breakpoint), and the step is upward (a positive jump).",
        tested_as="A step logistic model of retention over the first 12 months on the grade "
                  "given at the start: the breakpoint grade with the best fit, with a profile "
                  "interval, and the size of the jump, with a confidence interval; also "
                  "retention by grade band.",
        caveats="Retention by grade is an association: a high grade may mark customers who "
                "would have stayed anyway. Where the step lies may differ by segment, and "
                "'the top of the scale' is the library's reading: the article speaks of a "
                "hurdle between satisfied and loyal, not of where on the scale it lies.",
        literature=(_JONES_SASSER, _MITTAL),
        quote_source="000",
    ),
    "S1": ClaimText(
        seed_quote="Recent onderzoek toont maar weer eens aan dat 57% van de consumenten "
                   "overweegt te switchen na een negatieve ervaring en 78% doet dat als het "
                   "nogmaals voorkomt.",
        seed_quote_en="Recent research shows once again that 57% of consumers consider "
                      "switching after a negative experience, and 78% do so if it happens "
                      "again.",
        claimed_words="57% consider switching after one negative experience, 78% after two "
                      "(each judged within 5 points: 52-62% and 73-83%).",
        tested_as="The share of customers considering a switch among those with exactly one "
                  "and exactly two negative experiences, with Wilson intervals, each compared "
                  "with its claimed region.",
        caveats="Considering a switch is a self-reported intent, not switching (S3). The "
                "article names no source for 57% / 78%, and published vendor surveys disagree "
                "widely, so the figure is a hypothesis, not a benchmark. Customers with more "
                "negative experiences may differ in other ways.",
        literature=(_ZENDESK, _RUBY, _VERINT, _BOLTON),
        quote_source="001",
    ),
    "S2": ClaimText(
        seed_quote="Als iets fout loopt, kun je het goedmaken, en dat is wat de klant zal "
                   "onthouden.",
        seed_quote_en="If something goes wrong, you can make up for it, and that is what the "
                      "customer will remember.",
        claimed_words="Customers whose failure was put right switch less than those whose "
                      "failure was not: a hazard ratio of at most 0.9.",
        tested_as="The ratio of the monthly switching hazards of one more recovered against "
                  "one more unrecovered negative experience, in a discrete-time survival model "
                  "adjusted for the grade band, with a confidence interval.",
        caveats="Recovery is not randomised: failures that get put right may be smaller, or "
                "happen to different customers, than those that do not. The test compares "
                "recovered with unrecovered failures, not with no failure at all, so it does "
                "not test the recovery paradox (a recovered customer better off than one "
                "without a failure).",
        literature=(_DE_MATOS, _MAXHAM),
        quote_source="004",
    ),
    "S3": ClaimText(
        seed_quote="Recent onderzoek toont maar weer eens aan dat 57% van de consumenten "
                   "overweegt te switchen na een negatieve ervaring en 78% doet dat als het "
                   "nogmaals voorkomt.",
        seed_quote_en="Recent research shows once again that 57% of consumers consider "
                      "switching after a negative experience, and 78% do so if it happens "
                      "again.",
        claimed_words="Of the customers who consider switching, at most 90% actually switch "
                      "during the observation period.",
        tested_as="The share of the customers considering a switch who switched during "
                  "observation, with an interval, overall and by the number of negative "
                  "experiences.",
        caveats="The article does not say this: it is the library's caution about its word "
                "'overweegt' (considers). Intent is self-reported and usually asked once; "
                "customers observed only briefly have had little time to act on it, so the "
                "share depends on the length of follow-up.",
        literature=(),
        quote_source="001",
    ),
    "N1": ClaimText(
        seed_quote="Als zo’n bedrijf dan contact met de klant zoekt, doorgaans twee keer per "
                   "jaar, dan doen ze dat enkel om een NPS-score te meten.",
        seed_quote_en="When such a company then seeks contact with the customer, usually twice "
                      "a year, they do so only to measure an NPS score.",
        claimed_words="No figure: the claim describes practice. The library reports the NPS "
                      "with an honest interval and gives the verdict 'descriptive'.",
        tested_as="The NPS (percent promoters 9-10 minus percent detractors 0-6, in points) of "
                  "the surveyed answers, with an interval from the trinomial variance or the "
                  "bootstrap.",
        caveats="An NPS of transactional surveys weights customers by how often they buy and "
                "answer, and one customer's repeated answers are not independent. Who answers "
                "a survey is not random.",
        literature=(_REICHHELD,),
        quote_source="004",
    ),
    "N2": ClaimText(
        seed_quote="Je moet dat gesprek wel vaker aangaan dan enkel tijdens de bevraging om de "
                   "NPS-score te bepalen. De frequentie van zo’n onderzoek is te laag, waardoor "
                   "je in wezen vooral de laatste transactie bevraagt.",
        seed_quote_en="You do have to have that conversation more often than only during the "
                      "survey that determines the NPS score. The frequency of such a survey is "
                      "too low, so that in essence you mainly ask about the last transaction.",
        claimed_words="The most recent transaction carries more than half (over 0.5) of the "
                      "weight of the 0-10 recommend answer, against the three before it.",
        tested_as="A distributed-lag regression of the recommend answer on the grades of the "
                  "customer's last four transactions: the share of the total weight on the "
                  "most recent one, with a confidence interval, compared with one half.",
        caveats="The weights come from the customer's own grades of recent transactions; mood "
                "at the time of the survey colours both the last grade and the recommend "
                "answer, which makes the last transaction look more important. Customers "
                "with fewer than four transactions are left out.",
        literature=(),
        quote_source="004",
    ),
    "N3": ClaimText(
        seed_quote="Tevreden betekent niet vanzelfsprekend ook loyaal en kent heel andere "
                   "drivers.",
        seed_quote_en="Satisfied does not automatically mean loyal, and it has quite different "
                      "drivers.",
        claimed_words="The NPS category (detractor, passive, promoter) tells poorly who will "
                      "switch and who will stay: a concordance (Harrell's C) of at most 0.7.",
        tested_as="Harrell's C of the NPS category of the recommend score given at the start "
                  "as a predictor of switching, with a confidence interval; beside it the "
                  "concordance of the raw 0-10 score and of satisfaction.",
        caveats="Only customers who answered the survey count, and the recommend score is "
                "taken once. A low concordance says the NPS category separates poorly, not "
                "which measure would do better. 'NPS is not loyalty' is the library's reading "
                "of seeds 000 and 004: seed 004 questions how NPS is asked, not its link with "
                "loyalty.",
        literature=(_REICHHELD, _KEININGHAM, _BOLTON, _DE_HAAN),
        quote_source="000",
    ),
    "K1": ClaimText(
        seed_quote="Als je voldoet aan de verwachting of dit component, zelfs als je het "
                   "voortreffelijk uitvoert, dan is jouw klant niet meer tevreden. Hij of zij "
                   "veronderstelt dat het er is. Laat je het echter weg, of gaat het mis, dan "
                   "zijn de totale productbeleving en de tevredenheid verdwenen.",
        seed_quote_en="If you meet the expectation, or this component, even if you execute it "
                      "excellently, your customer is not more satisfied. He or she assumes it "
                      "is there. But leave it out, or let it go wrong, and the whole product "
                      "experience and the satisfaction are gone.",
        claimed_words="Each attribute falls in its claimed Kano category in at least 95% of "
                      "bootstrap replicates: the basics must-be (they only hurt when missing), "
                      "the performance attribute one-dimensional (linear), the delighter "
                      "attractive (it only helps when present).",
        tested_as="A penalty-reward contrast analysis: a regression of the grade on a low "
                  "(1-2) and a high (4-5) indicator per attribute rating, giving each "
                  "attribute's penalty, reward and Kano category, with the bootstrap share of "
                  "replicates in the claimed category.",
        caveats="The categories come from attribute ratings given by the same customers as "
                "the grade, not from the Kano questionnaire's answer pairs. Pooled over time, "
                "a category that is changing (K2) is averaged into one.",
        literature=(_BERGER,),
        quote_source="001",
    ),
    "K2": ClaimText(
        seed_quote="Bedenk dat een bijzonder- of delighter morgen een belevingcomponent is en "
                   "zes maanden na vandaag kan het heel goed een basic zijn.",
        seed_quote_en="Bear in mind that a special feature or delighter is a performance "
                      "component tomorrow, and six months from today it may very well be a "
                      "basic.",
        claimed_words="A delighter's reward fades with a half-life of 3 to 9 months, around "
                      "the article's 6 months ('zes maanden'); its 'normal in a year' (12 "
                      "months) is not decided on separately.",
        tested_as="The reward and penalty of the delighter estimated window by window over "
                  "time, and a decay curve fitted to them: its half-life (judged as the decay "
                  "rate ln 2 / half-life), with a confidence interval.",
        caveats="Customers getting used to a delight (K3), competitors copying it and the "
                "survey's changing population cannot be told apart from the attribute's own "
                "life cycle. 'Six months' in the article is the time until the delighter is a "
                "basic; the library reads it as a half-life.",
        literature=(_NILSSON_WITELL,),
        quote_source="001",
    ),
    "K3": ClaimText(
        seed_quote="Veel bedrijven zetten vooral in op de wow-momenten wanneer ze hun customer "
                   "experience willen verhogen, maar ons brein kan zoveel pieken na elkaar "
                   "niet aan. We worden het ook gewend, en dat is niet houdbaar.",
        seed_quote_en="Many companies bet mainly on wow moments when they want to raise their "
                      "customer experience, but our brain cannot handle so many peaks in a "
                      "row. We also get used to it, and that is not sustainable.",
        claimed_words="Each repeated delight is worth at most 90% of the one before (an "
                      "adaptation factor of at most 0.9).",
        tested_as="The effect of a customer's k-th delight on the grade relative to the first, "
                  "within customers: the adaptation factor per earlier delight, with a "
                  "cluster-robust confidence interval.",
        caveats="It needs customers delighted more than once, and repeated delights come late, "
                "when a delight's reward may already have faded (K2), so getting used to it "
                "and the attribute's life cycle are hard to separate. A grade capped at 10 "
                "shrinks the largest rewards.",
        literature=(_DIXON,),
        quote_source="004",
    ),
    "K4": ClaimText(
        seed_quote="Want betekenis – oog voor mens en maatschappij – was in het oude model "
                   "naast wow en flow één van de drivers van loyaliteit. Het had daarmee een "
                   "zekere vrijblijvendheid. Kon je dat begrip goed invullen, dan was dat een "
                   "mogelijke stap naar de ultieme klantbeleving. Maar in het post-corona "
                   "model wordt het een basisvoorwaarde, een startpunt.",
        seed_quote_en="For meaning (an eye for people and society) was, in the old model, one "
                      "of the drivers of loyalty alongside wow and flow. That made it somewhat "
                      "optional. If you could give that notion substance, it was a possible "
                      "step towards the ultimate customer experience. But in the post-corona "
                      "model it becomes a basic condition, a starting point.",
        claimed_words="The attribute's impact asymmetry falls by at least 0.2 from the first "
                      "wave to the last: a move from attractive towards must-be (and, for "
                      "'supported', a must-be category in the last wave).",
        tested_as="A penalty-reward contrast analysis in each survey wave: the change of the "
                  "attribute's impact asymmetry (reward against penalty) between the first "
                  "and the last wave, with a bootstrap interval, and its category in each.",
        caveats="Two waves show a change, not its cause: the crisis cannot be separated from "
                "anything else that changed between them, and each wave may have different "
                "respondents.",
        literature=(_NILSSON_WITELL,),
        quote_source="000",
    ),
    "P1": ClaimText(
        seed_quote="Op dezelfde stapsgewijze manier zit de Top-of-Heart-piramide in elkaar: je "
                   "kunt pas naar een hoger niveau opschalen als ruimschoots aan het daaronder "
                   "gelegen niveau is voldaan.",
        seed_quote_en="The Top-of-Heart pyramid is built in the same step-by-step way: you can "
                      "only scale up to a higher level when the level below has been amply "
                      "met.",
        claimed_words="At every step of the pyramid (relevance, trust, satisfaction, loyalty), "
                      "a high level below raises the chance that the next level is high by at "
                      "least 10 percentage points.",
        tested_as="For each step, P(the level is high, 4-5 | the level below is high) minus "
                  "P(high | the level below is low), with a confidence interval.",
        caveats="Gating is read from levels rated in the same survey: an association, not "
                "proof that reaching a level is needed to climb to the next. The scalability "
                "analysis and the sequential model the claims digest proposes are not "
                "implemented.",
        literature=(),
        quote_source="000",
    ),
    "P2": ClaimText(
        seed_quote="Tevreden betekent niet vanzelfsprekend ook loyaal en kent heel andere "
                   "drivers.",
        seed_quote_en="Satisfied does not automatically mean loyal, and it has quite different "
                      "drivers.",
        claimed_words="Some attribute's share of the explained variance differs by at least "
                      "0.2 between satisfaction and loyalty.",
        tested_as="The Shapley (LMG) share of each attribute in the R-squared of satisfaction "
                  "and of loyalty (in the demo data, the recommend answer), and the largest "
                  "difference between the two, with a simultaneous bootstrap interval.",
        caveats="Shares are of the variance explained by the attributes measured: a driver "
                "that is not measured cannot show up, and correlated attributes share credit. "
                "Importance is not cause.",
        literature=(),
        quote_source="000",
    ),
    "M1": ClaimText(
        seed_quote="De gemiddelde waardering van de top 10 in dit jaarlijkse onderzoek blijft "
                   "maar stijgen en daarbij nemen de onderlinge verschillen binnen branches al "
                   "jarenlang af.",
        seed_quote_en="The average rating of the top 10 in this annual survey keeps on rising, "
                      "and the differences within sectors have been shrinking for years.",
        claimed_words="From the first to the last year the best company's mean grade rises and "
                      "the spread of the company means shrinks.",
        tested_as="The change from the first to the last year of the largest company mean and "
                  "of the standard deviation of the company means, each with a bootstrap "
                  "interval.",
        caveats="The data are company means of a survey, not the ranking itself: the article "
                "speaks of the mean of the top 10 and of differences within sectors, the test "
                "of the best company and of the spread across all companies. A change in who "
                "answers can move both.",
        literature=(),
        quote_source="003",
    ),
    "V1": ClaimText(
        seed_quote="Jouw customer lifetime value (hoe lang je klant bij jouw blijft) hangt af "
                   "van het bevorderen en het optimaliseren van positieve ervaringen tijdens de "
                   "moments of truth.",
        seed_quote_en="Your customer lifetime value (how long your customer stays with you) "
                      "depends on promoting and optimising positive experiences at the moments "
                      "of truth.",
        claimed_words="Customers graded 9-10 stay at least half a month longer, out of their "
                      "first 12 months, than those graded 6 or lower.",
        tested_as="The restricted mean survival time over 12 months by grade band, from "
                  "Kaplan-Meier curves: the difference between the 9-10 and the 6-or-lower "
                  "band, with a confidence interval.",
        caveats="Grade bands are compared, not experiences at moments of truth, and the "
                "difference is an association: a high grade may mark customers who would stay "
                "anyway. Value in money needs a value per customer-month the data may not "
                "have.",
        literature=(_BOLTON,),
        quote_source="001",
    ),
    "E1": ClaimText(
        seed_quote="In zijn nieuwste boek bewijst Dixon dat een klantervaring zo frictieloos "
                   "mogelijk moet zijn. Veel bedrijven zetten vooral in op de wow-momenten "
                   "wanneer ze hun customer experience willen verhogen, maar ons brein kan "
                   "zoveel pieken na elkaar niet aan.",
        seed_quote_en="In his latest book Dixon proves that a customer experience must be as "
                      "frictionless as possible. Many companies mainly bet on wow moments when "
                      "they want to raise their customer experience, but our brain cannot "
                      "take so many peaks in a row.",
        claimed_words="High effort (a Customer Effort Score of 5-7 against 4) raises the "
                      "log-odds of leaving within 12 months by at least 0.1 more than a wow "
                      "moment lowers them.",
        tested_as="One logistic model of leaving within 12 months on the effort band (low, "
                  "neutral, high) and a wow moment, on the same customers, fitted on cell "
                  "counts: the penalty of high effort, the reward of the wow moment, and their "
                  "difference with a confidence interval.",
        caveats="Effort and delight are observed, not assigned: customers who already mean to "
                "leave may report more effort, and a wow moment may go to customers a company "
                "values. The 12-month outcome is known only for customers followed that long.",
        literature=(_DIXON,),
        quote_source="004",
    ),
    "E2": ClaimText(
        seed_quote="Dixon streeft naar frictieloosheid en zegt dat er twee zaken zijn om van "
                   "daaruit te vertrekken.",
        seed_quote_en="Dixon strives for frictionlessness and says there are two things to "
                      "start from.",
        claimed_words="Effort's concordance with who leaves first (Harrell's C) beats that of "
                      "the grade, the 0-10 recommend score and the NPS category by at least "
                      "0.02 each.",
        tested_as="The N3 machinery with effort added: a Cox model per predictor, Harrell's C "
                  "of each risk score, and bootstrap intervals of effort's lead over each "
                  "rival.",
        caveats="The article only cites Dixon's book; the claim that effort predicts leaving "
                "better than NPS is the book's, and de Haan et al. (2015) did not find it. "
                "The measures are compared as asked once at onboarding; asked after each "
                "contact they may rank differently.",
        literature=(_DIXON, _DE_HAAN),
        quote_source="004",
    ),
}

CLAIM_TEXTS: Mapping[str, ClaimText] = MappingProxyType(_TEXTS)
"""The :class:`ClaimText` of every registry claim, by claim id (read-only)."""

# ----------------------------------------------------------------------------------------
# the rest of the claims digest: its proposed tests, its figures and its literature
# ----------------------------------------------------------------------------------------
_DIGEST_TESTS: Mapping[str, str] = MappingProxyType({
    "T1": "score by expectation disconfirmation (below / met / exceeded): means, band shares, "
          "ordinal (proportional-odds) model, P(score >= 9) per level, all with CIs",
    "T2": "among respondents with every basic attribute at its best and no delighter: the "
          "score distribution and a model-based ceiling with CI, compared with 8.5; P(9+) "
          "with vs without a delighter",
    "T3": "band distribution per experience tier (meets needs / easy / enjoyable), ordinal "
          "model, CIs",
    "T4": "interaction of baseline service quality and peak moments on overall score and "
          "loyalty",
    "T5": "loyalty or retention by band; banded vs linear model (likelihood-ratio test); "
          "breakpoint (segmented) regression with a CI for the breakpoint",
    "S1": "P(switch | k negative experiences) for k = 0, 1, 2, 3+ with Wilson CIs; "
          "dose-response logistic model; exact tests of p1 = 0.57 and p2 = 0.78; is the second "
          "strike different from the first; survival version: Cox with a time-varying count "
          "of negatives and a discrete-time hazard, giving P(switch within a horizon | k)",
    "S2": "service-recovery paradox: satisfaction and retention of failure-recovered vs "
          "no-failure vs failure-unrecovered, differences with CIs, survival curves and "
          "log-rank test",
    "S3": "where data has both intent and behaviour: the intent-to-behaviour conversion rate "
          "by k",
    "N1": "NPS with correct uncertainty (trinomial variance, bootstrap), differences between "
          "groups and waves, weighted NPS, many-segment comparisons with multiplicity control",
    "N2": "distributed-lag regression of recommend on the ratings of the last m transactions: "
          "the share of weight on the most recent one, with CI",
    "N3": "how well NPS category, raw 0-10 recommend, satisfaction and experience counts "
          "predict retention: concordance, likelihood, calibration, with CIs on the "
          "differences; information lost by cutting 0-10 into three groups",
    "K1": "Kano questionnaire classification (functional / dysfunctional answer pairs, "
          "evaluation table, category shares with CIs, better / worse coefficients); "
          "regression-based penalty-reward contrast analysis with CIs and a category per "
          "attribute",
    "K2": "the reward (and penalty) of an attribute estimated over time; a parametric decay "
          "with half-life and CI; the category trajectory delighter -> performance -> basic "
          "with transition times; compare with \"six months\" and \"a year\"",
    "K3": "within-customer effect of the k-th delight, diminishing in k and in time since the "
          "last one",
    "K4": "change of an attribute's Kano category between two survey waves, with a test",
    "P1": "gating structure: P(level k high | level k-1 high) vs (| low); scalability of the "
          "hierarchy; sequential (continuation-ratio) model",
    "P2": "driver importance (relative weights / Shapley decomposition) for each outcome, and "
          "the difference in rankings with CIs",
    "M1": "trend of the mean and of the dispersion across years, with CIs",
    "V1": "restricted mean survival time and value by band or segment from survival curves",
    "E1": "on the same customers: the effect of high effort (e.g. a Customer Effort Score of "
          "5-7 on a 1-7 item, repeat contacts, channel switches) on switching or repurchase, "
          "against the effect of a delight, with CIs on both and on their difference; "
          "asymmetry of effort's effect (penalty of high effort vs reward of low effort)",
    "E2": "concordance and likelihood of retention models with CES vs satisfaction vs "
          "recommend, differences with CIs (the N3 machinery with effort added)",
})

_FIGURES = (
    "57% / 78%: share considering a switch after one / two negative experiences (S1).",
    "8 for expectations met, 9+ for expectations exceeded (T1); basics cap at 8.5 (T2).",
    "6-7 basic need, 8-8+ easy or pleasant, 9 special (T3); 7+ service with 9+ moments (T4).",
    "delighter -> performance \"tomorrow\", -> basic \"six months\" on; special -> normal "
    "\"in a year\" (K2).",
    "NPS asked about twice a year (N2).",
)

_LITERATURE = (
    "The 57% / 78% figure has no traceable primary source. Published vendor surveys disagree "
    "widely: about 50% after one bad experience and 80% after several (Zendesk CX Trends "
    "2020); about 25% after one and 92% after three (Ruby); about 60% after one (Verint). "
    "Treat it as a hypothesis, never as a default truth (S1).",
    "Jones & Sasser (Harvard Business Review 1995, \"Why satisfied customers defect\"): Xerox "
    "customers giving 5 on a 5-point scale were six times more likely to repurchase within 18 "
    "months than those giving 4: the top box, not \"satisfied\", carries loyalty (T5).",
    "Reichheld (Harvard Business Review 2003): NPS = % promoters (9-10) - % detractors (0-6) "
    "on a 0-10 recommend item. Keiningham et al. (Journal of Marketing 2007) found NPS no "
    "better than other satisfaction and loyalty measures at predicting growth (N1, N3).",
    "Mittal & Kamakura (Journal of Marketing Research 2001): the same rated satisfaction "
    "gives different repurchase rates by customer characteristics; thresholds differ by "
    "segment (T5: estimate by segment).",
    "Bolton (Marketing Science 1998): proportional-hazards model of relationship duration; "
    "prior satisfaction lengthens it, more so for long-tenure customers (S1, N3, V1).",
    "de Matos, Henrique & Rossi (Journal of Service Research 2007), meta-analysis: the "
    "recovery paradox shows on satisfaction but not on repurchase intention or word of mouth. "
    "Maxham & Netemeyer (Journal of Marketing 2002): the paradox after one failure, not after "
    "two (S2).",
    "Kano life cycle: Nilsson-Witell & Fundin (International Journal of Service Industry "
    "Management 2005) saw an e-service move from indifferent to attractive, with early "
    "adopters already rating it one-dimensional or must-be (K2, K4).",
    "Berger et al. (Center for Quality of Management Journal 1993) evaluation table (rows "
    "functional answer, columns dysfunctional answer, both ordered Like / Must-be / Neutral / "
    "Live-with / Dislike): Like row Q A A A O; Must-be, Neutral and Live-with rows R I I I M; "
    "Dislike row R R R R Q. Better = (A+O)/(A+O+M+I), Worse = -(O+M)/(A+O+M+I). Fong's test: "
    "a category wins clearly when |m1 - m2| >= 1.65 * sqrt((m1 + m2)(2n - m1 - m2) / (2n)) "
    "(K1).",
    "Dixon, Freeman & Toman (Harvard Business Review 2010, \"Stop trying to delight your "
    "customers\"): reducing effort predicts loyalty better than exceeding expectations (K3, "
    "T1, E1, E2); the article reports that of low-effort customers 94% intended to "
    "repurchase, and of high-effort customers 81% would spread negative word of mouth (vendor "
    "survey figures: claims to test, not truth). de Haan, Verhoef & Wiesel (International "
    "Journal of Research in Marketing 2015) compared feedback metrics for predicting "
    "retention across service industries and found CES no better than top-box satisfaction "
    "or NPS (E2, N3).",
)

_FAMILIES = (  # family -> (heading, anchor, docs page)
    ("thresholds", "Score thresholds", "thresholds", "thresholds.md"),
    ("switching", "Switching after negative experiences", "switching", "switching.md"),
    ("nps", "NPS versus retention", "nps", "nps.md"),
    ("kano", "Kano and delighter decay", "kano", "kano.md"),
    ("pyramid", "The Top-of-Heart pyramid and its drivers", "pyramid", "pyramid.md"),
    ("market", "Market", "market", "market-value.md"),
    ("value", "Customer value", "value", "market-value.md"),
    ("effort", "The effortless experience", "effort", "effort.md"),
)


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _function_link(claim: Claim) -> str:
    """The claim's test function as code, linked to its API reference page when it has one."""
    module, _, function = claim.test.partition(":")
    code = f"`{module}.{function}`"
    package = importlib.import_module("loyaltystats")
    name = module.split(".")[1] if module.count(".") >= 1 else ""
    if name in getattr(package, "__all__", ()):
        return f"[{code}](reference/{name}.md)"
    return code


def _id_range(ids: list[str]) -> str:
    return f"{ids[0]}-{ids[-1]}" if len(ids) > 2 else ", ".join(ids)


def _id_ranges(ids: list[str]) -> str:
    """``"T1-T5, S1-S3, P1, P2"``: the ids grouped by their letter, in registry order."""
    groups: dict[str, list[str]] = {}
    for cid in ids:
        groups.setdefault(cid.rstrip("0123456789"), []).append(cid)
    return ", ".join(_id_range(g) for g in groups.values())


def _claim_section(claim: Claim, text: ClaimText) -> list[str]:
    statement = claim.statement.rstrip(".")
    lines = [f"### {claim.id}: {statement} {{#{claim.id.lower()}}}", "",
             f"**The claim.** {claim.statement}", "",
             f"**In the article** (seed {text.quote_source}):", "",
             f"> {text.seed_quote}", ">", f"> *In English:* {text.seed_quote_en}", "",
             "**Sources:** " + "; ".join(SOURCES[s] for s in claim.sources) + ".", "",
             f"**What is claimed.** {text.claimed_words}", "",
             f"**How it is tested.** {text.tested_as} Function: {_function_link(claim)}."]
    if claim.margin is not None:
        lines[-1] += f" Smallest effect of interest: {claim.margin_note}."
    if claim.kind == "descriptive":
        lines[-1] += " The claim gets the verdict *descriptive*, not a test."
    lines += ["", '??? note "What the verdict is decided on, exactly"',
              f"    {' '.join(claim.estimand.split())}", ""]
    if claim.id in _DIGEST_TESTS:
        proposal = _DIGEST_TESTS[claim.id]
        lines += [f"**Proposed in the claims digest.** {proposal[0].upper()}{proposal[1:]}.",
                  ""]
    lines += [f"**What the data cannot show.** {text.caveats}", ""]
    if text.literature:
        lines += ["**Literature.**", ""] + [f"- {ref}" for ref in text.literature] + [""]
    else:
        lines += ["**Literature.** None of the [literature](#literature) below bears on this "
                  "claim directly.", ""]
    return lines


def claims_page_markdown() -> str:
    """The docs page "The claims", as Markdown, from the registry and :data:`CLAIM_TEXTS`.

    An introduction (what the page is, the grade scales, the verdict words), a summary table
    of every claim, one section per claim family and per claim (the claim, the article's
    words in Dutch and English, its sources, what is claimed, how it is tested, what the data
    cannot show, the literature), the claims of the digest not yet in the registry, the
    research literature and the figures the articles give. Each claim's heading has the
    anchor of its lower-case id (``claims.md#s1``), each family the family's name
    (``claims.md#switching``).

    Returns
    -------
    str
        The page, for mkdocs (``docs/gen_pages.py`` writes it as ``claims.md``).

    Examples
    --------
    >>> page = claims_page_markdown()
    >>> page.splitlines()[0]
    '# The claims'
    >>> "### S1: 57% of consumers consider switching" in page
    True
    """
    ids = [c.id for c in CLAIMS]
    seeds = ", ".join(sorted(SOURCES))
    lines = [
        "# The claims", "",
        f"loyaltystats tests {len(CLAIMS)} claims of customer-experience practice "
        f"({_id_ranges(ids)}). They come from five "
        f"Dutch practitioner articles, the seeds ({seeds}), and the ids are the names the "
        "library, its docs and its tests use. For each claim this page gives the article's "
        "own words (in Dutch, with an English translation), what exactly is claimed, how the "
        "library tests it, what observational data of this kind cannot show, and the "
        "research literature that bears on it.", "",
        "The page is generated when the docs are built, from the claims registry "
        "(`loyaltystats.claims.CLAIMS`, `SOURCES`) and the texts in "
        "`loyaltystats.claims.texts`; the estimand of each claim comes from "
        "`loyaltystats.simulate.estimands.SPECS`. How to run the tests on your data: "
        "[the claims report](report.md).", "",
        "## How to read this page {#how-to-read}", "",
        "**Scales.** The articles speak in Dutch school grades, 1-10, where a 6 is a pass, an "
        "8 is good and a \"9+\" is exceptional. NPS uses likelihood-to-recommend 0-10 "
        "(detractors 0-6, passives 7-8, promoters 9-10). Real data also comes on 1-5 and 1-7. "
        "A scale is always declared, never guessed; the default grade bands are: 6 or lower, "
        "7, 8, 9-10.", "",
        "**Verdicts.** Each claim is judged at level 0.95 on the confidence intervals of the "
        "quantities it is decided on. A claimed figure becomes a region (57% becomes 52-62%); "
        "an effect claim needs its effect beyond a smallest effect of interest.", "",
        "- **supported**: every deciding interval lies inside the claimed region;",
        "- **contradicted**: an interval lies wholly outside it;",
        "- **inconclusive**: otherwise; the data cannot tell;",
        "- **descriptive**: the claim describes practice rather than a quantity (N1); it is "
        "reported with its estimate and interval, without a test.", "",
        "A verdict says what the data show about an association in the data; the caveats of "
        "each claim say what they cannot show.", "",
        "## The claims at a glance {#summary}", "",
        "| id | claim | source seeds | claimed | test function |",
        "|---|---|---|---|---|",
    ]
    for c in CLAIMS:
        text = CLAIM_TEXTS[c.id]
        module, _, function = c.test.partition(":")
        lines.append(f"| [{c.id}](#{c.id.lower()}) | {_cell(c.statement)} | "
                     f"{', '.join(c.sources)} | {_cell(text.claimed_words)} | "
                     f"`{module.removeprefix('loyaltystats.')}.{function}` |")
    lines.append("")

    seen = set()
    for family, title, anchor, page in _FAMILIES:
        members = [c for c in CLAIMS if c.family == family]
        if not members:
            continue
        seen.add(family)
        lines += [f"## {title} ({_id_range([c.id for c in members])}) {{#{anchor}}}", "",
                  f"More on the estimators, their options and their plots: [{title}]({page}).",
                  ""]
        for c in members:
            lines += _claim_section(c, CLAIM_TEXTS[c.id])
    for c in CLAIMS:  # a family added to the registry but not to _FAMILIES
        if c.family not in seen:
            lines += _claim_section(c, CLAIM_TEXTS[c.id])

    lines += ["## What the research literature says {#literature}", "",
              "The literature the claims rest on, and the sensible defaults of the simulated "
              "worlds; the ids in brackets are the claims each finding bears on.", ""]
    lines += [f"- {item}" for item in _LITERATURE]
    lines += ["", "## Figures the articles give {#figures}", "",
              "The figures to test against, as the articles state them:", ""]
    lines += [f"- {item}" for item in _FIGURES]
    lines.append("")
    return "\n".join(lines)
