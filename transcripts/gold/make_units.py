"""Build ``units.csv``: the sentences of the development gold standard and their split.

Run from anywhere (the output is the same every run)::

    python transcripts/gold/make_units.py

What it does (see ``README.md`` in this folder):

1. Every respondent sentence of the interviews in ``transcripts/interviews/`` (units exactly as
   ``hsqual.load_corpus(path, unit="sentence")`` cuts them; interviewer turns left out; a
   sentence without a single letter would be dropped and reported).
2. The 83 Japanese sentences of ``transcripts/ja/gold/sample.csv`` (split ``dev``).
3. ``PAPER_N`` sentences of the Kurusu paper (``transcripts/kurusu2015/paper.txt``, read as
   one document with ``load_corpus``), drawn with the seed from the body sentences between
   the ``1. Introduction`` heading and the ``Notes`` heading that have at least
   ``PAPER_MIN_WORDS`` words, end with sentence punctuation and lie on one line (the paper has
   one paragraph a line and no blank lines, so a section heading is cut as part of the
   sentence after it; such units are left out of the pool) (split ``dev``).
4. The interviews are split by document: within each language and stakeholder group
   (``GROUPS``) the documents are shuffled with ``numpy.random.default_rng(SEED)`` (groups
   in the order listed) and the first ``ceil(n / 2)`` go to ``test``, the rest to ``dev``.
5. The interviews of ``HELDOUT`` were written and coded after the rules had been revised on
   both ``dev`` and ``test``; all their respondent sentences are split ``heldout``.
6. The interviews of ``HELDOUT2`` were written and coded apart from the rules' third revision
   (on ``dev``, ``test`` and ``heldout``); all their respondent sentences are split ``heldout2``.
7. The interviews of ``HELDOUT3`` were likewise written and coded apart from the rules' third
   revision; all their respondent sentences are split ``heldout3``.
8. The interviews of ``HELDOUT4`` were written and coded apart from the rules' fourth revision
   (on ``dev``, ``test``, ``heldout`` and ``heldout2``); all their respondent sentences are split
   ``heldout4``.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import hsqual
from hsqual.writers import write_table

HERE = Path(__file__).resolve().parent
TRANSCRIPTS = HERE.parent
SEED = 20261130
PAPER_N = 60
PAPER_MIN_WORDS = 6
COLUMNS = ["unit_id", "doc_id", "segment_id", "speaker", "language", "split", "start", "end", "text"]
INTERVIEWERS = ("Interviewer", "聞き手")
#: Stakeholder groups for a balanced split, per language, in draw order.
GROUPS = {
    "en": {
        "government and international organisations": ["en_aid_agency_officer", "en_global_health_specialist"],
        "civil society": ["en_peacebuilding_practitioner", "en_refugee_ngo_worker"],
        "business and academia": ["en_csr_manager", "en_university_researcher"],
    },
    "ja": {
        "government and Diet": ["ja_diet_member", "ja_local_disaster_officer", "ja_ministry_official"],
        "civil society": ["ja_disaster_ngo_worker", "ja_refugee_support_worker"],
        "business and academia": ["ja_csr_manager", "ja_global_health_researcher"],
    },
}


#: Interviews written and coded after the last rule revision on ``dev`` and ``test``.
HELDOUT: dict[str, list[str]] = {
    "en": ["en2_city_multicultural", "en2_correspondent_myanmar", "en2_defence_analyst", "en2_disaster_doctor"],
    "ja": ["ja2_business_federation", "ja2_migrant_lawyer", "ja2_noto_reporter", "ja2_undp_sahel"],
}
#: Interviews written and coded apart from the rules' revision on ``dev``, ``test`` and ``heldout``.
HELDOUT2: dict[str, list[str]] = {
    "en": ["en3_agronomist_south_sudan", "en3_former_sdf_officer", "en3_osaka_social_worker",
           "en3_unhcr_protection_officer"],
    "ja": ["ja3_city_welfare_officer", "ja3_former_jocv", "ja3_fukushima_evacuee_npo", "ja3_wfp_staff"],
}
#: Interviews written and coded apart from the rules' third revision (as ``HELDOUT2``).
HELDOUT3: dict[str, list[str]] = {
    "en": ["en4_jica_education_advisor", "en4_migrant_worker_union", "en4_noto_volunteer_coordinator",
           "en4_rohingya_camp_nurse"],
    "ja": ["ja4_former_ambassador", "ja4_kodomo_shokudo", "ja4_kumamoto_nurse", "ja4_refugee_support_lawyer"],
}
#: Interviews written and coded apart from the rules' fourth revision (on the first four parts).
HELDOUT4: dict[str, list[str]] = {
    "en": ["en5_manila_shelter_worker", "en5_mine_action_cambodia", "en5_okinawa_town_councillor",
           "en5_pacific_climate_researcher"],
    "ja": ["ja5_conflict_zone_doctor", "ja5_hikikomori_support", "ja5_independent_living_center",
           "ja5_ukraine_evacuee_support"],
}


def draw_split(seed: int = SEED) -> dict[str, str]:
    """``doc_id -> "dev" | "test" | "heldout" | ... | "heldout4"`` for the interviews (the seeded
    draw, then ``HELDOUT`` to ``HELDOUT4``)."""
    rng = np.random.default_rng(seed)
    split = {}
    for language in ("en", "ja"):
        for docs in GROUPS[language].values():
            order = [docs[i] for i in rng.permutation(len(docs))]
            n_test = math.ceil(len(docs) / 2)
            for i, doc in enumerate(order):
                split[doc] = "test" if i < n_test else "dev"
    for docs in HELDOUT.values():
        split.update(dict.fromkeys(docs, "heldout"))
    for docs in HELDOUT2.values():
        split.update(dict.fromkeys(docs, "heldout2"))
    for docs in HELDOUT3.values():
        split.update(dict.fromkeys(docs, "heldout3"))
    for docs in HELDOUT4.values():
        split.update(dict.fromkeys(docs, "heldout4"))
    return split


def _frame(corpus, segments: pd.DataFrame, split) -> pd.DataFrame:
    lang = {d.doc_id: d.language for d in corpus}
    out = segments[["doc_id", "segment_id", "speaker", "start", "end", "text"]].copy()
    out["language"] = out["doc_id"].map(lang)
    out["split"] = out["doc_id"].map(split) if callable(getattr(split, "get", None)) else split
    out["unit_id"] = out["doc_id"] + ":" + out["start"].astype(str) + "-" + out["end"].astype(str)
    return out[COLUMNS]


def interview_units(split: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Respondent sentences of the interviews, and the respondent sentences dropped."""
    corpus = hsqual.load_corpus(TRANSCRIPTS / "interviews", unit="sentence")
    docs = {d.doc_id for d in corpus}
    grouped = {d for g in GROUPS.values() for ds in g.values() for d in ds} | {d for ds in HELDOUT.values() for d in ds}
    grouped |= {d for h in (HELDOUT2, HELDOUT3, HELDOUT4) for ds in h.values() for d in ds}
    if docs != grouped:
        raise SystemExit(f"interviews and GROUPS differ: {sorted(docs ^ grouped)}")
    seg = corpus.segments_frame()
    seg = seg[~seg["speaker"].isin(INTERVIEWERS)]
    if seg["speaker"].isna().any():
        raise SystemExit("an interview has text outside a speaker turn")
    letters = seg["text"].map(lambda t: any(ch.isalpha() for ch in t))
    return _frame(corpus, seg[letters], split), seg[~letters]


def ja_sample_units() -> pd.DataFrame:
    """The 83 sentences of ``ja/gold/sample.csv``, checked against the current segmentation."""
    sample = pd.read_csv(TRANSCRIPTS / "ja" / "gold" / "sample.csv")
    corpus = hsqual.load_corpus(TRANSCRIPTS / "ja", unit="sentence")
    seg = corpus.segments_frame()
    seg = seg[seg["doc_id"].isin(sample["doc_id"])]
    merged = sample.merge(seg, on=["doc_id", "segment_id"], suffixes=("", "_now"), how="left")
    bad = merged[(merged["start"] != merged["start_now"]) | (merged["end"] != merged["end_now"])
                 | (merged["text"] != merged["text_now"])]
    if len(bad):
        raise SystemExit(f"ja/gold/sample.csv no longer matches the segmentation: {bad.head()}")
    keys = set(zip(sample["doc_id"], sample["segment_id"]))
    seg = seg[[k in keys for k in zip(seg["doc_id"], seg["segment_id"])]]
    return _frame(corpus, seg, "dev")


def paper_units(seed: int = SEED) -> pd.DataFrame:
    """``PAPER_N`` sentences of the paper's body drawn with the seed."""
    path = TRANSCRIPTS / "kurusu2015" / "paper.txt"
    corpus = hsqual.load_corpus(path, unit="sentence")
    (doc,) = list(corpus)
    text = doc.text
    body_start = text.index("\n1. Introduction\n") + 1
    body_end = text.index("\nNotes\n")
    seg = corpus.segments_frame()
    pool = seg[(seg["start"] >= body_start) & (seg["end"] <= body_end)
               & (seg["text"].str.split().str.len() >= PAPER_MIN_WORDS)
               & seg["text"].str.contains(r"[.?!][’”\"')\]]*$", regex=True)
               & ~seg["text"].str.contains("\n", regex=False)]
    rng = np.random.default_rng(seed)
    picked = sorted(rng.choice(len(pool), size=PAPER_N, replace=False))
    return _frame(corpus, pool.iloc[picked], "dev")


def build() -> tuple[pd.DataFrame, pd.DataFrame]:
    split = draw_split()
    interviews, dropped = interview_units(split)
    units = pd.concat([interviews, ja_sample_units(), paper_units()], ignore_index=True)
    units = units.sort_values(["language", "doc_id", "start"], kind="stable").reset_index(drop=True)
    if units["unit_id"].duplicated().any():
        raise SystemExit("duplicate unit ids")
    return units, dropped


def main(argv: list[str]) -> int:
    units, dropped = build()
    out = Path(argv[1]) if len(argv) > 1 else HERE / "units.csv"
    write_table(units, out)
    print(f"wrote {out}: {len(units)} units; dropped {len(dropped)} respondent sentences without letters")
    print(units.groupby(["language", "split"]).size().to_string())
    print(units.groupby(["language", "split", "doc_id"]).size().to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
