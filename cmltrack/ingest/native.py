"""The project's own layout: one CSV file (or Excel sheet) per table, named after the table, columns as stored."""

from __future__ import annotations

import pandas as pd

from cmltrack.clinical.genetics import normalise_aca, normalise_mutation
from cmltrack.clinical.responses import ALL_KINDS, SYNONYMS
from cmltrack.clinical.tfr import stored_reason
from cmltrack.ingest.fields import Field
from cmltrack.ingest.readers import Dataset

_PCT = {"low": 0, "high": 100}
_SEX = {"F": "F", "FEMALE": "F", "M": "M", "MALE": "M", "U": "U", "UNKNOWN": "U", "UNDIFFERENTIATED": "U"}
_PHASE = {"CP": "CP", "AP": "AP", "BP": "BP", "BC": "BP"}
_STATUS = {"RESISTANT": "resistant", "INTOLERANT": "intolerant"}
#: Response codes accepted (CML and RECIST, with the spellings of the abstract and CDISC) -> stored code.
RESPONSE_CODES: dict[str, str] = {k: k for k in ALL_KINDS} | SYNONYMS


def _pct(name: str) -> Field:
    return Field(name, name, "number", **_PCT)


def _count(name: str, what: str) -> Field:
    return Field(name, name, "number", low=0, what=what)


#: Every table of the layout and its columns, in the order of the template.
LAYOUT: dict[str, list[Field]] = {
    "patients": [
        Field("patient_id", "patient_id", required=True),
        Field("mrn", "mrn"),
        Field("display_name", "display_name"),
        Field("sex", "sex", "code", required=True, codes=_SEX),
        Field("birth_date", "birth_date", "date", role="birth"),
        Field("diagnosis_date", "diagnosis_date", "date", role="start"),
        Field("phase_at_diagnosis", "phase_at_diagnosis", "code", codes=_PHASE),
        Field("im_status", "im_status", "code", codes=_STATUS),
        _count("spleen_cm", "spleen size"), _count("platelets", "a platelet count"),
        _pct("blasts_pct"), _pct("basophils_pct"), _pct("eosinophils_pct"),
        Field("age_at_entry", "age_at_entry", "integer", low=0, high=130, what="an age"),
        Field("last_contact_date", "last_contact_date", "date", role="end"),
        Field("arm", "arm"),
        Field("actual_arm", "actual_arm"),
        Field("died", "died", "flag"),
        Field("death_date", "death_date", "date", role="start"),
    ],
    "treatments": [
        Field("patient_id", "patient_id", required=True),
        Field("drug", "drug", "lower", required=True),
        Field("dose_mg", "dose_mg", "number", required=True, low=0, what="a dose"),
        Field("start_date", "start_date", "date", required=True, role="start"),
        Field("end_date", "end_date", "date", role="end"),
        # every spelling of a stop for treatment-free remission ("TFR", ...) is stored as one reason
        Field("reason_stopped", "reason_stopped", "named", normalise=stored_reason),
    ],
    "labs": [
        Field("patient_id", "patient_id", required=True),
        Field("date", "date", "date", required=True, role="exact"),
        _count("wbc", "a white cell count"), _count("hb", "haemoglobin"), _count("platelets", "a platelet count"),
        _pct("blasts_pct"), _pct("promyelocytes_pct"), _pct("immature_granulocytes_pct"), _pct("basophils_pct"),
        _count("spleen_cm", "spleen size"), _count("bcr_abl1_is_pct", "BCR::ABL1 (IS)"),
        Field("abl1_copies", "abl1_copies", "integer", low=0, what="an ABL1 copy number"),
        _pct("ph_pos_pct"),
        Field("metaphases", "metaphases", "integer", low=0, what="a metaphase count"),
        _count("neutrophils", "a neutrophil count"), _pct("fish_pct"),
        Field("fish_nuclei", "fish_nuclei", "integer", low=0, what="a count of FISH nuclei"),
    ],
    "responses": [
        Field("patient_id", "patient_id", required=True),
        Field("date", "date", "date", required=True, role="assessment"),
        Field("kind", "kind", "code", required=True, codes=RESPONSE_CODES),
    ],
    "adverse_events": [
        Field("patient_id", "patient_id", required=True),
        Field("term", "term", required=True),
        Field("meddra_pt", "meddra_pt"),
        Field("ctcae_grade", "ctcae_grade", "integer", required=True, low=1, high=5, what="a CTCAE grade"),
        Field("ctcae_version", "ctcae_version"),
        Field("onset_date", "onset_date", "date", role="start"),  # empty: onset unknown
        Field("end_date", "end_date", "date", role="end"),
        Field("serious", "serious", "flag"),  # empty: not recorded
        Field("attributed_drug", "attributed_drug", "lower"),
        Field("relatedness", "relatedness"),
    ],
    "concomitant_medications": [
        Field("patient_id", "patient_id", required=True),
        Field("term", "term", required=True),
        Field("decoded", "decoded"),
        Field("indication", "indication"),
        Field("start_date", "start_date", "date", role="start"),
        Field("end_date", "end_date", "date", role="end"),
    ],
    "mutations": [  # BCR::ABL1 kinase-domain mutation tests: one row per mutation found, or "none detected"
        Field("patient_id", "patient_id", required=True),
        Field("date", "date", "date", required=True, role="exact"),
        Field("method", "method"),
        Field("mutation", "mutation", "named", required=True, normalise=normalise_mutation),
    ],
    "karyotypes": [  # karyotype findings: one row per additional chromosome abnormality, or "none"
        Field("patient_id", "patient_id", required=True),
        Field("date", "date", "date", required=True, role="exact"),
        Field("finding", "finding", "named", required=True, normalise=normalise_aca),
        Field("ph_positive", "ph_positive", "flag"),
    ],
}
#: One example row per table for the template (fictitious).
EXAMPLE: dict[str, dict[str, object]] = {
    "patients": {"patient_id": "P001", "mrn": "FAKE-0001", "display_name": "Example Testperson", "sex": "F",
                 "birth_date": "1965-04-12", "diagnosis_date": "2007-03-01", "phase_at_diagnosis": "CP",
                 "im_status": "resistant", "spleen_cm": 4, "platelets": 450, "blasts_pct": 1, "basophils_pct": 3,
                 "eosinophils_pct": 2, "age_at_entry": "", "last_contact_date": "2011-02-01", "arm": "",
                 "actual_arm": "", "died": "N", "death_date": ""},
    "treatments": {"patient_id": "P001", "drug": "imatinib", "dose_mg": 400, "start_date": "2007-03-15",
                   "end_date": "", "reason_stopped": ""},
    "labs": {"patient_id": "P001", "date": "2008-03-14", "wbc": 6.1, "hb": 128, "platelets": 210, "blasts_pct": 0,
             "promyelocytes_pct": 0, "immature_granulocytes_pct": 0, "basophils_pct": 1, "spleen_cm": 0,
             "bcr_abl1_is_pct": 2.4, "abl1_copies": 54000, "ph_pos_pct": 12, "metaphases": 20, "neutrophils": 3.8,
             "fish_pct": "", "fish_nuclei": ""},
    "responses": {"patient_id": "P001", "date": "2008-03-14", "kind": "PCyR"},
    "adverse_events": {"patient_id": "P001", "term": "Tingling in both feet", "meddra_pt": "Peripheral sensory "
                       "neuropathy", "ctcae_grade": 2, "ctcae_version": "5.0", "onset_date": "2008-09-02",
                       "end_date": "", "serious": "N", "attributed_drug": "thalidomide", "relatedness": "probable"},
    "concomitant_medications": {"patient_id": "P001", "term": "Paracetamol 500 mg", "decoded": "PARACETAMOL",
                                "indication": "Headache", "start_date": "2008-09-05", "end_date": "2008-09-07"},
    "mutations": {"patient_id": "P001", "date": "2009-06-02", "method": "Sanger", "mutation": "T315I"},
    "karyotypes": {"patient_id": "P001", "date": "2009-06-02", "finding": "+8", "ph_positive": "Y"},
}


def is_native(dataset: Dataset) -> bool:
    """Whether a dataset is one of the layout's tables (by name)."""
    return dataset.name in LAYOUT


def columns_of(dataset: Dataset) -> pd.DataFrame:
    """The dataset with its headers lower-cased and stripped (the layout's headers are case-insensitive)."""
    return dataset.frame.rename(columns=lambda c: str(c).strip().lower())


def template_csv(table: str) -> str:
    """The template of one table: its header and the example row."""
    return pd.DataFrame([EXAMPLE[table]], columns=[f.name for f in LAYOUT[table]]).to_csv(index=False)
