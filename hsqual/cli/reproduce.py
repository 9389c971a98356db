"""``hsqual reproduce``: rebuild a bundled study's tables and figures from its data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..writers import FileState

__all__ = ["add_parser", "gold_evaluation", "reproduce_kurusu2015"]

STUDIES = ("kurusu2015",)


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "reproduce",
        help="rebuild a bundled study's tables, figures and report from its data",
        description=(
            "Rebuild a bundled study from its data: the paper's tables, the theme and sector "
            "tables, the check of every quantified statement, code frequencies, co-occurrence "
            "tables and figures, and a readable summary.\n\n"
            "example: hsqual reproduce kurusu2015 --out outputs/kurusu2015"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("study", choices=STUDIES, help="the study to rebuild")
    p.add_argument("--out", "-o", type=Path, default=Path("outputs") / "kurusu2015",
                   help="folder to write into (created; the study's files in it are replaced, "
                        "but never a codings.csv holding other coders' codings)")
    p.add_argument("--no-figures", action="store_true", help="tables only (faster)")
    p.add_argument("--lang", choices=("en", "ja"), default="en",
                   help="language of the code labels in the figures (default: en)")
    p.set_defaults(func=_run)


def _run(args) -> int:
    written = reproduce_kurusu2015(args.out, figures=not args.no_figures, lang=args.lang)
    print(f"hsqual reproduce {args.study}: wrote {len(written)} files to {args.out.resolve()}")
    for path in written:
        print(f"  {path}")
    return 0


def _check_codings_target(path: Path, study_coder: str) -> FileState:
    """Refuse to replace a codings file that holds anyone's codings but the study's own."""
    from ..codings import read_codings
    from ..errors import CodingsError
    from ..writers import file_state

    state = file_state(path)
    if not state.exists:
        return state
    refuse = "; refusing to overwrite it (give another --out)"
    try:
        coders = set(read_codings(path)["coder"])
    except Exception:
        raise CodingsError("the file exists and is not a codings table of the study" + refuse, path=path) from None
    others = sorted(coders - {study_coder})
    if others:
        raise CodingsError(f"the file exists and holds codings of {', '.join(others)}" + refuse, path=path)
    return state


def reproduce_kurusu2015(out_dir: str | Path, *, figures: bool = True, lang: str = "en") -> list[Path]:
    """Write every table of the Kurusu study (CSV), the report and the figures to ``out_dir``.

    Figures (PNG, PDF, SVG) label codes in ``lang`` (``"en"`` or ``"ja"``). Returns the paths
    written, in order. The files are written into a folder beside ``out_dir`` and moved into it
    only when all are complete: a failure half-way (a full disk) leaves ``out_dir`` as it was.
    A ``codings.csv`` holding other coders' codings is never replaced, neither one found at the start nor one saved there while the study was rebuilt.
    """
    from ..writers import check_output_path, staged_folder

    out = Path(out_dir)
    check_output_path(out, folder=True)  # a folder that can be written, before any work
    codings_state = _check_codings_target(out / "codings.csv", "kurusu2015")

    def replace(dest: Path):
        return codings_state if dest == out / "codings.csv" else True

    with staged_folder(out, replace=replace) as work:
        written = _write_study(work, figures=figures, shown=out, lang=lang)
    return [out / p.relative_to(work) for p in written]


def _write_study(out: Path, *, figures: bool, shown: Path, lang: str = "en") -> list[Path]:
    """Write the study's files into ``out`` (``shown`` is the folder named in messages)."""
    from ..frequencies import code_frequencies
    from ..goldstandard import SPLITS
    from ..studies import kurusu2015
    from ..writers import write_table, write_text

    study = kurusu2015.load()
    written: list[Path] = []
    tables = {
        "table1_interviewees": study.table1(),
        "table2_questions": study.table2(),
        "theme_table": study.theme_table().reset_index(),
        "theme_table_rollup": study.theme_table(rollup=True).reset_index(),
        "sector_table": study.sector_table().reset_index(),
        "quantifier_check": study.check_quantifiers(),
        "excerpts": study.excerpts,
        "codings": study.codings,
        "code_frequencies": code_frequencies(study.codings, corpus=study.corpus, case="interviewees",
                                             codebook=study.codebook),
    }
    tables.update(_rule_evaluations(study))
    tables.update(_review_simulations(study.codebook))
    if figures:
        del tables["code_frequencies"]  # the report writes the same table
    for name, df in tables.items():
        written.append(write_table(df, out / f"{name}.csv"))
    summary = study.summary()
    chk = tables["quantifier_check"]
    if figures:
        from ..report import write_cooccurrence_report

        names = {str(r.number): f"{r.number} {r.name}" for r in study.interviewees.itertuples()}
        written += write_cooccurrence_report(
            study.codings, study.corpus, study.codebook, out,
            title="Kurusu (2015): theme co-occurrence", lang=lang, document_name="excerpt",
            case_labels={"interviewees": names}, case_titles={"interviewees": "Interviewee"})
        summary += "\nCo-occurrence tables, figures and their report: `report.md` in this folder.\n"
    summary += _evaluation_summary(tables["rules_vs_manual"], tables["rules_heldout_ja"])
    summary += _gold_summary({split: tables[f"rules_gold_{split}"] for split in SPLITS})
    for split in REVIEW_SPLITS:
        summary += _review_summary(tables[f"review_simulation_{split}_summary"], split=split)
    written.append(write_text(summary, out / "summary.md"))
    from ..site import write_site

    written.append(write_site(study.codings, study.corpus, study.codebook, out / "site", unit="document",
                              title="Kurusu (2015): the study's coded excerpts"))
    if not chk["consistent"].all():
        print(f"warning: {int((~chk['consistent']).sum())} quantified statement(s) disagree with the codings; "
              f"see {shown / 'quantifier_check.csv'}", file=sys.stderr)
    return written


def _rule_evaluations(study) -> dict:
    """The rule coder measured on the study's excerpts and on the held-out Japanese sample."""
    import pandas as pd

    from ..apply import apply_codebook
    from ..codings import read_codings
    from ..corpus import Corpus, Segment
    from ..evaluate import evaluate_rules
    from ..goldstandard import SPLITS
    from ..resources import bundled_path
    from ..transcripts import load_corpus

    rules = apply_codebook(study.corpus, study.codebook, unit="sentence")
    on_excerpts = evaluate_rules(study.codings, rules, unit="document", corpus=study.corpus,
                                 codebook=study.codebook)
    ja = bundled_path("transcripts") / "ja"
    sample = pd.read_csv(ja / "gold" / "sample.csv")
    gold = read_codings(ja / "gold" / "codings.csv")
    docs = list(dict.fromkeys(sample["doc_id"]))
    held = load_corpus(ja).subset(docs)
    units = Corpus([held.doc(d) for d in docs],
                   [Segment(r.doc_id, int(r.segment_id), int(r.start), int(r.end), r.text, None, "sentence")
                    for r in sample.itertuples()])
    auto = apply_codebook(held, study.codebook, unit="sentence")
    held_out = evaluate_rules(gold, auto, unit="sentence", corpus=units, codes=study.codebook.ids)
    return {"rules_vs_manual": on_excerpts, "rules_heldout_ja": held_out,
            **{f"rules_gold_{split}": gold_evaluation(study.codebook, split=split) for split in SPLITS}}


def gold_evaluation(codebook, *, split: str):
    """The rule coder on one part of the development gold standard, per language and overall.

    One table: for ``language`` ``all``, ``en`` and ``ja``, the rows of
    :func:`hsqual.evaluate.evaluate_on_gold` (per code, then the ``level`` ``micro`` and
    ``macro`` summary rows) with ``window`` 0 and ``rollup`` False, then the ``micro`` row
    rolled up to parent codes (``rollup`` True) and the ``micro`` row of the window of one sentence either side
    (``window`` 1).

    Examples
    --------
    >>> import hsqual
    >>> cb = hsqual.load_codebooks(hsqual.bundled_codebooks())
    >>> t = gold_evaluation(cb, split="dev")
    >>> sorted(set(t["language"])), sorted(set(t["window"])), sorted(set(t["rollup"]))
    (['all', 'en', 'ja'], [0, 1], [False, True])
    >>> micro = t[(t["level"] == "micro") & (t["window"] == 0) & ~t["rollup"]].set_index("language")
    >>> int(micro.loc["all", "n_units"]) == int(micro.loc["en", "n_units"] + micro.loc["ja", "n_units"])
    True
    """
    import pandas as pd

    from ..evaluate import evaluate_on_gold
    from ..goldstandard import load_gold

    parts = []
    for language in (None, "en", "ja"):
        gold = load_gold(split=split, language=language)
        for window, rollup in ((0, False), (0, True), (1, False)):
            ev = evaluate_on_gold(codebook, split=split, language=language, window=window, rollup=rollup, gold=gold)
            if window or rollup:
                ev = ev[ev["level"] == "micro"]
            ev = ev.copy()
            ev.insert(0, "rollup", rollup)
            ev.insert(0, "window", window)
            ev.insert(0, "language", language or "all")
            ev.insert(0, "split", split)
            parts.append(ev)
    return pd.concat(parts, ignore_index=True)


def review_simulation(codebook, *, split: str):
    """The review loop replayed on the gold standard's ``split``: per code and the means.

    :func:`hsqual.simulate_review` with its defaults (batches of five, the model refitted after
    each, the default embedder) on the adjudicated gold codings. Returns ``(per_code, summary)``.
    """
    import warnings

    from ..goldstandard import load_gold
    from ..ranking import simulate_review

    gold = load_gold(split=split)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # codes too rare to fit a model are noted in the table
        sim = simulate_review(gold.corpus, codebook, gold.codings)
    embedder = sim.per_code.attrs.get("embedder") or sim.summary.attrs.get("embedder", "")
    per_code, summary = sim.per_code.copy(), sim.summary.copy()
    per_code.insert(0, "split", split)
    summary.insert(0, "split", split)
    summary["embedder"] = embedder
    return per_code, summary


#: The gold standard's parts the review loop is replayed on: ``test`` (its settings were chosen
#: on ``dev``, though the rules that start its ranking were since tuned on it too), ``heldout``
#: (interviews written and coded apart from the loop's settings; the rules were since tuned on it)
#: ``heldout2`` (likewise; the rules' fourth revision was tuned on it), ``heldout3`` (written and
#: coded apart from every revision and from the loop's settings; the settings of its interviews
#: were named to the rules' fourth revision) and ``heldout4`` (apart from everything).
REVIEW_SPLITS = ("test", "heldout", "heldout2", "heldout3", "heldout4")


def _review_simulations(codebook) -> dict:
    tables = {}
    for split in REVIEW_SPLITS:
        per_code, summary = review_simulation(codebook, split=split)
        tables[f"review_simulation_{split}"] = per_code
        tables[f"review_simulation_{split}_summary"] = summary
    return tables


def _review_summary(summary, *, split: str) -> str:
    out = ["", f"## The review loop on the development gold standard (`{split}`)", "",
           "A reviewer replayed with `hsqual.simulate_review`: shown the five top-ranked unread sentences "
           "of a code, the adjudicated gold gives each verdict, the model is refitted, and so on. Means over "
           "the codes with at least 3 gold sentences in the language:", ""]
    for _, r in summary.iterrows():
        out.append(f"- {r['language']}: {int(r['n_codes'])} codes, {int(r['n_units'])} sentences; recall after "
                   f"reading 10% {r['mean recall@10%']:.3f}, 20% {r['mean recall@20%']:.3f}, "
                   f"30% {r['mean recall@30%']:.3f}; WSS@95 {r['mean wss@95']:.3f}; average precision before "
                   f"any decision {r['mean ap_prior']:.3f} ({r['embedder']})")
    out += ["", f"Per code: `review_simulation_{split}.csv`.", ""]
    return "\n".join(out)


def _evaluation_summary(on_excerpts, held_out) -> str:
    def line(ev, what):
        t = ev[ev["level"] == "micro"].iloc[0]
        return (f"- {what}: precision {t['precision']:.3f}, recall {t['recall']:.3f}, "
                f"F1 {t['f1']:.3f}, kappa {t['kappa']:.3f}")

    return "\n".join([
        "", "## The rule coder against manual coding", "",
        line(on_excerpts, "the paper's excerpts (the rules were written from this paper: fit)"),
        line(held_out, "83 earlier Japanese sentences (transcripts/ja/gold; now part of the gold standard's dev: tuned on)"),
        "", "Per code: `rules_vs_manual.csv`, `rules_heldout_ja.csv`.", "",
    ])


def gold_micro(table, *, language: str = "all", window: int = 0, rollup: bool = False):
    """The ``micro`` summary row of a :func:`gold_evaluation` table for one language and setting."""
    rows = table[(table["level"] == "micro") & (table["language"] == language)
                 & (table["window"] == window) & (table["rollup"] == rollup)]
    return rows.iloc[0]


#: How each part of the gold standard stands to the rules: revised on, or measured once.
GOLD_ROLES = {"dev": "tuned on", "test": "tuned on", "heldout": "tuned on", "heldout2": "tuned on",
              "heldout3": "measured once, its settings known", "heldout4": "measured once"}


def _gold_summary(tables: dict) -> str:
    def fig(r):
        return f"precision {r['precision']:.3f}, recall {r['recall']:.3f}, F1 {r['f1']:.3f}, kappa {r['kappa']:.3f}"

    out = ["", "## The rule coder on the development gold standard", "",
           "Sentences coded by two coders and adjudicated (`transcripts/gold/`); the rules were revised "
           "on `dev`, measured on `test`, revised on both, measured once on `heldout`, revised on all three, "
           "measured once on `heldout2` (and the third revision on `heldout3` and `heldout4`), revised on all "
           "four, and measured once on `heldout3` (whose interviews' settings, not their text, were named to "
           "that revision) and `heldout4`. Code level (a parent given where the gold has its child "
           "is an error); rolled up: child codes counted for their parents too; window 1: a sentence "
           "takes the codes fired in it and in the sentences next to it in the same turn.", ""]
    for split, table in tables.items():
        name = f"{split} ({GOLD_ROLES[split]})"
        for language in ("all", "en", "ja"):
            r = gold_micro(table, language=language)
            up = gold_micro(table, language=language, rollup=True)
            w = gold_micro(table, language=language, window=1)
            out.append(f"- {name}, {language} ({int(r['n_units'])} sentences): {fig(r)}; "
                       f"rolled up F1 {up['f1']:.3f}; window 1: precision {w['precision']:.3f}, "
                       f"recall {w['recall']:.3f}, F1 {w['f1']:.3f}")
    out += ["", "Per code: " + ", ".join(f"`rules_gold_{split}.csv`" for split in tables) + ".", ""]
    return "\n".join(out)
