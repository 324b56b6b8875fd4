"""The seeded risk library (domain.md 5.4) and leaflet records. Used by the data migration and tests.

Frequencies are given in numbers and as EU verbal bands [R65]; each keeps its source, because rates
vary by population and by definition. Patient wording is the project's own.
"""

RISKS: list[dict] = [
    {
        "code": "cement_leak",
        "name": "Cement leakage (seen on scans)",
        "patient_wording": "Some cement often seeps a little outside the bone. It is usually seen only on the scan "
        "afterwards and nearly always causes no problem.",
        "frequency_numbers": "about 1 in 3 to 1 in 2 treated levels (33-55%)",
        "frequency_band": "very_common",
        "source": "[E] meta-analysis 54.7% of vertebrae; 33% of levels; UK centre 75 in 211 [R47][R48][R55][R63]",
    },
    {
        "code": "canal_leak",
        "name": "Cement leak into the spinal canal",
        "patient_wording": "Cement can rarely escape into the channel that carries the spinal cord and nerves.",
        "frequency_numbers": "about 1 in 140 patients (0.7%)",
        "frequency_band": "uncommon",
        "source": "[E] 26 of 3,175 patients [R49]",
    },
    {
        "code": "neuro_injury",
        "name": "Nerve or spinal cord damage needing an operation",
        "patient_wording": "Pressure on the spinal cord or a nerve from cement could cause weakness or numbness and "
        "need urgent surgery to relieve it. This is more likely in the upper and middle back.",
        "frequency_numbers": "about 1 in 800 patients (0.13%)",
        "frequency_band": "uncommon",
        "source": "[E] 4 of 3,175 patients; higher in the thoracic spine [R49]",
    },
    {
        "code": "pce_any",
        "name": "Cement reaching the lungs (seen on a scan)",
        "patient_wording": "Small pieces of cement can travel in the veins to the lungs. Most of the time this is "
        "only seen on a scan and causes no symptoms.",
        "frequency_numbers": "about 1 in 50 to 1 in 10 (2-9%)",
        "frequency_band": "common",
        "source": "[E] 1.9% (34/1,782) to 9.4% (23/244); reported range 2.1-26% [R50][R51][R52]",
    },
    {
        "code": "pce_symptomatic",
        "name": "Cement in the lungs causing symptoms",
        "patient_wording": "Cement in the lungs can occasionally cause breathlessness or chest pain and need "
        "oxygen or other treatment. The risk rises with larger amounts of cement.",
        "frequency_numbers": "about 1 in 250 (0.4%)",
        "frequency_band": "uncommon",
        "source": "[E] 1 in 244; oxygen needed 0-0.9% by cement volume [R51][R49]",
    },
    {
        "code": "infection",
        "name": "Infection",
        "patient_wording": "Infection in the treated bone or disc is uncommon. It can show weeks or months later, "
        "so please report fever, new back pain or redness at the needle site.",
        "frequency_numbers": "about 1 in 300 (0.3%)",
        "frequency_band": "uncommon",
        "source": "[E] 18 of 5,749 (0.32%) [R53][R53b]",
    },
    {
        "code": "acute_complication",
        "name": "Any early complication with symptoms",
        "patient_wording": "Taking all early problems together, about 1 patient in 100 with a thinning-bone "
        "fracture has one; the rate is higher when the fracture is caused by cancer.",
        "frequency_numbers": "about 1 in 100 (osteoporosis); up to 1 in 10 (cancer in the bone)",
        "frequency_band": "common",
        "source": "[E] usually 1% osteoporotic, up to 10% metastatic [R53]",
    },
    {
        "code": "new_fracture",
        "name": "Another spinal fracture later",
        "patient_wording": "Weak bones can break again, next to the treated level or elsewhere. Studies have not "
        "shown clearly whether the treatment itself changes this risk.",
        "frequency_numbers": "about 1 in 8 to 1 in 6 within a year or so (12-16%)",
        "frequency_band": "very_common",
        "source": "[E] VERTOS II 16% vs 25% conservative; adjacent 12% at 1 year; 8-52% [R54][R55][R56][R57][R58]",
    },
    {
        "code": "bleeding",
        "name": "Bleeding or bruising",
        "patient_wording": "There may be a bruise where the needle went in, which settles by itself. Serious "
        "bleeding is rare unless the blood is slow to clot.",
        "frequency_numbers": "rare without blood-thinning medicines or a clotting problem; no reliable figure",
        "frequency_band": "rare",
        "source": "[E] rare without coagulopathy or anticoagulation [R59]; leaflet [L]",
    },
    {
        "code": "allergy",
        "name": "Allergic reaction to drugs or cement",
        "patient_wording": "A reaction to the sedation, local anaesthetic, x-ray dye or cement is possible. "
        "Tell us about any allergies you have had.",
        "frequency_numbers": "no reliable figure; the risk is limited because little cement is used",
        "frequency_band": "not_known",
        "source": "[S] risk limited (small PMMA volumes) [R60]; leaflet [L]",
    },
    {
        "code": "rib_fracture",
        "name": "Broken rib",
        "patient_wording": "Lying face down with pressure on the back can crack a fragile rib.",
        "frequency_numbers": "no reliable figure",
        "frequency_band": "not_known",
        "source": "leaflet [L]; no reliable percentage found [U]",
    },
    {
        "code": "pain_flare",
        "name": "Short-lived increase in pain",
        "patient_wording": "The back may be sorer for a day or so where the needle went in; this usually settles "
        "within about 24 hours.",
        "frequency_numbers": "frequent; no exact figure (usually settles within 24 hours)",
        "frequency_band": "common",
        "source": "[E] occurs, usually settles within about 24 h [R59]; [S] [R60]",
    },
    {
        "code": "radiation",
        "name": "Radiation from x-rays",
        "patient_wording": "X-rays and a CT scan are used to guide and check the treatment. The dose is small; "
        "tell us if you might be pregnant.",
        "frequency_numbers": "a dose of about 1 to 2 mSv for one level",
        "frequency_band": "not_banded",
        "source": "[E] 1.97 mSv one fluoroscope, 0.95 mSv two [R61]; leaflet [L]",
    },
    {
        "code": "no_relief",
        "name": "The pain may not get better",
        "patient_wording": "The treatment may not relieve the pain. In trials comparing it with a dummy "
        "procedure, the extra benefit was small or absent in some studies.",
        "frequency_numbers": "some relief in 58-97% in case series; in one trial pain fell below 4/10 at 14 days "
        "in 44% (vs 21% after a dummy procedure)",
        "frequency_band": "not_banded",
        "source": "[A] NICE IPG12 [R6]; [E] VAPOUR, VERTOS IV [R19][R20]",
    },
    {
        "code": "death",
        "name": "Death",
        "patient_wording": "Death from this procedure has been reported, for example from cement reaching the "
        "lungs or heart and lung failure, but it is extremely rare.",
        "frequency_numbers": "fewer than 1 in 10,000; known only from case reports",
        "frequency_band": "very_rare",
        "source": "[A] case reports (PE, cardiorespiratory failure) [R64]",
    },
    {
        "code": "sedation",
        "name": "Problems from the sedation",
        "patient_wording": "Sedation can slow the breathing or lower the blood pressure. You are watched closely "
        "throughout and these effects can be reversed.",
        "frequency_numbers": "no reliable figure",
        "frequency_band": "not_known",
        "source": "[A] AoMRC sedation guidance; not quantified [R73][U]",
    },
]

RISK_CODES = [row["code"] for row in RISKS]

# The service's two leaflets, as library records (titles and versions only; their text is not copied).
LEAFLETS: list[dict] = [
    {"title": "Vertebroplasty: patient information (day case)", "version": "1.0", "issued_on": "2024-01-15"},
    {"title": "Vertebroplasty: what to expect", "version": "1.0", "issued_on": "2023-06-01"},
]


def seed_library(risk_model, version_model, leaflet_model) -> None:
    """Create version 1 of every risk and the leaflet records when missing (idempotent).

    Takes the model classes so the data migration can pass its historical models."""
    import datetime

    for order, row in enumerate(RISKS, start=1):
        risk, _ = risk_model.objects.get_or_create(code=row["code"], defaults={"order": order})
        if not version_model.objects.filter(risk=risk).exists():
            version_model.objects.create(
                risk=risk,
                number=1,
                **{k: row[k] for k in ("name", "patient_wording", "frequency_numbers", "frequency_band", "source")},
            )
    for row in LEAFLETS:
        leaflet_model.objects.get_or_create(
            title=row["title"],
            version=row["version"],
            defaults={"issued_on": datetime.date.fromisoformat(row["issued_on"])},
        )
