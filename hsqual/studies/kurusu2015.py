"""The Kurusu (2015) interview study, rebuilt from its bundled data.

Kaoru Kurusu, *Does the Concept of Human Security Generate Additional Value? An Analysis of
Japanese Stakeholder Perceptions*, JICA Research Institute working paper (Tokyo: JICA-RI,
2015). Ten semi-structured interviews (September 2013 – April 2014) with Japanese stakeholders
from an aid agency, universities, parliament, a company, government and an NGO, asked six
clusters of questions.

The bundled data (``transcripts/kurusu2015/``) holds the paper's body text, its two tables,
every passage it attributes to an interviewee (the *excerpts*), the study's own reading of
those excerpts as codings (coder ``kurusu2015``) and the quantified statements the paper makes
("three interviewees out of ten", "about a half", "all of our interviewees"). :func:`load`
reads it all, checks it, and returns a :class:`Kurusu2015` whose methods rebuild the paper's
tables from the data.

Example
-------
>>> study = load()
>>> study.table1().shape
(10, 6)
>>> int(study.theme_table().loc["risk.interstate", "n_cited"])
3
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..codebook import Codebook, load_codebooks
from ..codings import check_codings, codings_frame, read_codings
from ..corpus import Corpus, Document
from ..errors import StudyError
from ..quantifiers import quantifier_range
from ..resources import bundled_codebooks, study_dir
from ..textio import read_text

__all__ = ["CITATION", "CODER", "N_INTERVIEWEES", "CLUSTERS", "Kurusu2015", "load", "parse_numbers"]

CITATION = (
    "Kurusu, Kaoru (2015). Does the Concept of Human Security Generate Additional Value? "
    "An Analysis of Japanese Stakeholder Perceptions. JICA-RI Working Paper. Tokyo: JICA "
    "Research Institute."
)
CODER = "kurusu2015"
N_INTERVIEWEES = 10
CLUSTERS = {
    "i": "Understandings of human security",
    "ii": "Human security in the region",
    "iii": "Cross-border responses to human security",
    "iv": "Human security in practice",
    "v": "Conceptual basis of human security",
    "vi": "Added value of human security",
}
_NUMBERS = list(range(1, N_INTERVIEWEES + 1))

_FILES = {
    "paper": "paper.txt",
    "interviewees": "interviewees.csv",
    "questions": "questions.csv",
    "excerpts": "excerpts.csv",
    "codings": "codings.csv",
    "statements": "statements.csv",
}
_COLUMNS = {
    "interviewees": ["number", "name", "sector", "position", "date", "duration_min", "duration_printed",
                     "interviewers", "note_marker"],
    "questions": ["cluster", "cluster_title", "part", "question_no", "question"],
    "excerpts": ["excerpt_id", "section", "section_title", "cluster", "interviewees", "anonymous",
                 "attribution", "kind", "citation", "start", "end", "text"],
    "statements": ["statement_id", "section", "code", "quantifier", "phrase", "list_kind", "citation",
                   "cited", "text", "start", "end"],
}


def parse_numbers(cell: object) -> list[int]:
    """Interviewee numbers from a ``";"``-joined cell (empty → ``[]``).

    Example
    -------
    >>> parse_numbers("2;3;6"), parse_numbers("")
    ([2, 3, 6], [])
    """
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return []
    text = str(cell).strip()
    if not text:
        return []
    return [int(part) for part in text.split(";") if part.strip()]


def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise StudyError("missing study data file", path=path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise StudyError(f"missing column(s) {', '.join(missing)}; expected {', '.join(columns)}", path=path, line=1)
    return df


@dataclass(frozen=True, eq=False)
class Kurusu2015:
    """The study: its data tables, corpus, codebook and manual codings.

    Build it with :func:`load`. Every table method returns a new DataFrame computed from the
    data; nothing is typed in.

    Attributes
    ----------
    paper : str
        The paper's cleaned body text; excerpt offsets point into it.
    interviewees, questions, excerpts, statements : DataFrame
        The bundled tables (Table 1, Table 2, the excerpts, the quantified statements).
    codings : DataFrame
        The study's reading of the excerpts (coder ``kurusu2015``), offsets into each excerpt.
    codebook : Codebook
        The four bundled codebooks, merged.
    corpus : Corpus
        One document per excerpt (``doc_id`` = excerpt id) with its section, cluster, kind,
        cited interviewees and their sectors as metadata.

    Example
    -------
    >>> study = load()
    >>> study.corpus.doc("K001").meta["section"], study.codings["coder"].unique().tolist()
    ('abstract', ['kurusu2015'])
    """

    paper: str
    interviewees: pd.DataFrame
    questions: pd.DataFrame
    excerpts: pd.DataFrame
    codings: pd.DataFrame
    statements: pd.DataFrame
    codebook: Codebook
    corpus: Corpus
    path: Path = field(default=None, repr=False)  # type: ignore[assignment]

    # -- the paper's tables ------------------------------------------------------------
    def table1(self) -> pd.DataFrame:
        """Table 1, *List of Interviewees*, as printed in the paper.

        Columns ``#, Interviewee, Sector, Position, Date of Interview, Duration``; names carry
        the paper's footnote markers (``*`` Kurusu, Mine, Murotani and Goto; ``**`` Mine,
        Murotani and Goto; ``***`` Goto).

        Example
        -------
        >>> load().table1().iloc[4, 1:].tolist()  # doctest: +NORMALIZE_WHITESPACE
        ['KAJI Misako**', 'University',
         'Professor of the University of Tokyo seconded from the Ministry of Foreign Affairs',
         '11/11/2013', '74 min']
        """
        df = self.interviewees
        dates = pd.to_datetime(df["date"], format="%Y-%m-%d")
        return pd.DataFrame({
            "#": df["number"].to_numpy(),
            "Interviewee": (df["name"] + df["note_marker"]).to_numpy(),
            "Sector": df["sector"].to_numpy(),
            "Position": df["position"].to_numpy(),
            "Date of Interview": [f"{d.month}/{d.day}/{d.year}" for d in dates],
            "Duration": df["duration_printed"].to_numpy(),
        })

    def table2(self) -> pd.DataFrame:
        """Table 2, *Interview Questions*: one row per question, grouped by cluster.

        Example
        -------
        >>> t2 = load().table2()
        >>> t2["Cluster"].unique().tolist()
        ['(i)', '(ii)', '(iii)', '(iv)', '(v)', '(vi)']
        >>> t2.iloc[0]["Question"]
        'How do you understand human security as a concept?'
        """
        q = self.questions
        return pd.DataFrame({
            "Cluster": ("(" + q["cluster"] + ")").to_numpy(),
            "Theme": (q["cluster_title_table"] if "cluster_title_table" in q else q["cluster"].map(CLUSTERS)).to_numpy(),
            "Part": q["part"].to_numpy(),
            "Question": q["question"].to_numpy(),
        })

    # -- derived tables ------------------------------------------------------------------
    def interviewee_codings(self) -> pd.DataFrame:
        """The codings with one row per cited interviewee (``interviewee``, ``sector`` added).

        Codings of excerpts that cite no numbered interviewee (group statements, anonymous
        interviewees) are left out of this view (they stay in :attr:`codings`).

        Example
        -------
        >>> ic = load().interviewee_codings()
        >>> sorted(ic.loc[ic["code"] == "risk.interstate", "interviewee"].unique().tolist())
        [5, 7, 10]
        """
        cited = self.excerpts.set_index("excerpt_id")["interviewees"].map(parse_numbers)
        df = self.codings.copy()
        df["interviewee"] = df["doc_id"].map(cited)
        df = df.explode("interviewee").dropna(subset=["interviewee"])
        df["interviewee"] = df["interviewee"].astype(int)
        sector = self.interviewees.set_index("number")["sector"]
        df["sector"] = df["interviewee"].map(sector)
        return df.reset_index(drop=True)

    def theme_table(self, *, rollup: bool = False) -> pd.DataFrame:
        """One row per theme code: which interviewees the paper cites for it.

        Columns ``label``, ``1`` ... ``10`` (True where an excerpt coded with the theme cites
        that interviewee), ``n_cited``, ``n_excerpts`` (excerpts coded with the theme, cited
        or not), and the paper's stated ``quantifier`` and ``phrase`` for the theme where it
        states one. Computed from :attr:`codings` and :attr:`excerpts`.

        Parameters
        ----------
        rollup : bool, keyword-only
            Count a child code's citations for its parents too (a theme's branch).

        Example
        -------
        >>> tt = load().theme_table()
        >>> [n for n in range(1, 11) if tt.loc["risk.armed_conflict", n]]
        [2, 3, 4, 6, 7]
        >>> tt.loc["risk.interstate", "quantifier"]
        'three out of ten'
        """
        ic = self.interviewee_codings()
        codings = self.codings
        if rollup:
            ic = self._rolled(ic)
            codings = self._rolled(codings)
        rows = []
        for code in self.codebook.ids:
            cited = set(ic.loc[ic["code"] == code, "interviewee"])
            row = {"code": code, "label": self.codebook.label(code)}
            row.update({n: n in cited for n in _NUMBERS})
            row["n_cited"] = len(cited)
            row["n_excerpts"] = int(codings.loc[codings["code"] == code, "doc_id"].nunique())
            st = self.statements[self.statements["code"] == code]
            row["quantifier"] = "; ".join(dict.fromkeys(st["quantifier"])) if len(st) else ""
            row["phrase"] = "; ".join(dict.fromkeys(st["phrase"])) if len(st) else ""
            rows.append(row)
        out = pd.DataFrame(rows).set_index("code")
        out.attrs.update({"study": "kurusu2015", "rollup": rollup, "coder": CODER})
        return out

    def sector_table(self, *, share: bool = False, rollup: bool = False) -> pd.DataFrame:
        """Themes by the cited interviewees' sector.

        Each cell counts the distinct interviewees of that sector cited for the theme (with
        ``share=True``, as a share of the sector's interviewees). Column names carry the
        sector's size, e.g. ``Aid Agency (n=3)``.

        Example
        -------
        >>> st = load().sector_table()
        >>> int(st.loc["japan.great_east_japan_earthquake", "University (n=2)"])
        2
        """
        ic = self.interviewee_codings()
        if rollup:
            ic = self._rolled(ic)
        iv = self.interviewees
        sizes = iv.groupby("sector", sort=False)["number"].count()
        table = (ic.drop_duplicates(["code", "interviewee"])
                   .pivot_table(index="code", columns="sector", values="interviewee", aggfunc="count", fill_value=0))
        table = table.reindex(index=self.codebook.ids, columns=list(sizes.index), fill_value=0).astype(int)
        if share:
            table = table / sizes
        table.columns = [f"{s} (n={sizes[s]})" for s in sizes.index]
        table.index.name = "code"
        table.attrs.update({"study": "kurusu2015", "share": share, "rollup": rollup})
        return table

    def check_quantifiers(self) -> pd.DataFrame:
        """Check every quantified statement of the paper against the cited interviewees.

        For each statement: the count range its quantifier claims out of ten
        (:func:`hsqual.quantifiers.quantifier_range`), the interviewees printed in its bracket,
        the interviewees the codings cite for its theme, and whether they agree:

        * ``exact`` lists (the bracket names the whole group): the cited set equals the printed
          set, and its size lies in the quantifier's range;
        * ``examples`` lists ("such as", "for instance"): the printed set is within the cited
          set, whose size does not exceed the range;
        * no list: the number cited does not exceed the range (the paper may cite fewer
          interviewees by number than its quantifier covers).

        ``consistent`` is what the citations can show: ``False`` when they contradict the
        statement. ``support`` says on what the statement rests:

        * ``"citations"``: the interviewees the paper cites by number are enough to put the
          count in the quantifier's range (and the printed list agrees with them);
        * ``"paper's word"``: fewer are cited than the quantifier claims (``covers_range`` is
          ``False``; e.g. "almost all" with two cited): nothing in the citations contradicts
          the statement, but the count rests on the paper's word alone;
        * ``"contradicted"``: the citations disagree (more cited than the quantifier allows,
          or a printed list that does not match them).

        ``can_contradict`` is ``False`` for the statements whose upper bound is the whole
        sample and that print no list ("most", "all", "many" ...): no citation can exceed them,
        so for these the check is only whether the citations reach the lower bound.

        Example
        -------
        >>> chk = load().check_quantifiers()
        >>> bool(chk["consistent"].all()), chk["support"].value_counts().to_dict()
        (True, {"paper's word": 15, 'citations': 14})
        """
        cited_by_code = self.interviewee_codings().groupby("code")["interviewee"].agg(lambda s: sorted(set(s)))
        rows = []
        for _, st in self.statements.iterrows():
            lo, hi = quantifier_range(st["quantifier"], N_INTERVIEWEES)
            printed = parse_numbers(st["cited"])
            cited = cited_by_code.get(st["code"], [])
            kind = st["list_kind"]
            if kind == "exact":
                ok = set(cited) == set(printed) and lo <= len(cited) <= hi  # the list is the whole group
                why = (f"cited {cited} vs printed {printed}; count {len(cited)} in {lo}..{hi}")
            elif kind == "examples":
                ok = set(printed) <= set(cited) and len(cited) <= hi
                why = f"printed {printed} within cited {cited}; count {len(cited)} in {lo}..{hi}"
            elif kind == "none":
                ok = len(cited) <= hi
                why = f"count cited by number {len(cited)} in {lo}..{hi}"
            else:
                raise StudyError(f"statement {st['statement_id']}: list_kind must be exact, examples or none, not {kind!r}",
                                 path=self.path / _FILES["statements"] if self.path else None)
            covers = len(cited) >= lo
            support = "contradicted" if not ok else ("citations" if covers else "paper's word")
            rows.append({
                "statement_id": st["statement_id"], "section": st["section"], "code": st["code"],
                "quantifier": st["quantifier"], "phrase": st["phrase"], "n_min": lo, "n_max": hi,
                "list_kind": kind, "printed": printed, "cited": cited, "n_cited": len(cited),
                "consistent": bool(ok), "covers_range": covers, "support": support,
                "can_contradict": bool(hi < N_INTERVIEWEES or kind != "none"), "check": why,
            })
        return pd.DataFrame(rows)

    def excerpts_for(self, code: str, *, rollup: bool = False) -> pd.DataFrame:
        """The excerpts coded with a theme (with their interviewees, section and text).

        Example
        -------
        >>> load().excerpts_for("empowerment.sustainability")["interviewees"].tolist()
        ['5;6']
        """
        self.codebook[code]
        codes = {code, *(self.codebook.descendants(code) if rollup else [])}
        ids = self.codings.loc[self.codings["code"].isin(codes), "doc_id"].unique()
        ex = self.excerpts[self.excerpts["excerpt_id"].isin(ids)]
        return ex[["excerpt_id", "section", "cluster", "interviewees", "attribution", "kind", "citation", "text"]].reset_index(drop=True)

    def _rolled(self, df: pd.DataFrame) -> pd.DataFrame:
        extra = []
        for code in df["code"].unique():
            for anc in self.codebook.ancestors(code):
                extra.append(df[df["code"] == code].assign(code=anc))
        return pd.concat([df, *extra], ignore_index=True) if extra else df

    def summary(self) -> str:
        """A readable summary of the study rebuilt from data (Markdown).

        Example
        -------
        >>> print(load().summary().splitlines()[0])
        # Kurusu (2015): the study rebuilt from data
        """
        tt = self.theme_table()
        chk = self.check_quantifiers()
        ex = self.excerpts
        numbered = ex["interviewees"].str.strip() != ""
        lines = [
            "# Kurusu (2015): the study rebuilt from data",
            "",
            CITATION,
            "",
            f"- interviewees (Table 1): {len(self.interviewees)}; sectors: "
            + ", ".join(f"{s} {n}" for s, n in self.interviewees.groupby("sector", sort=False)["number"].count().items()),
            f"- question clusters (Table 2): {self.questions['cluster'].nunique()}; questions: {len(self.questions)}",
            f"- excerpts: {len(ex)} ({int(numbered.sum())} citing numbered interviewees, "
            f"{int(ex['anonymous'].sum())} anonymous, "
            f"{int((ex['kind'] == 'quotation').sum())} quotations)",
            f"- codings by the study's reading: {len(self.codings)} over {self.codings['code'].nunique()} codes",
            f"- quantified statements: {len(chk)}; borne out by the interviewees the paper cites: "
            f"{int((chk['support'] == 'citations').sum())}; resting on the paper's word (fewer cited than the "
            f"quantifier claims): {int((chk['support'] == 'paper' + chr(39) + 's word').sum())}; "
            f"contradicted by the citations: {int((chk['support'] == 'contradicted').sum())}",
            f"- of these, {int((~chk['can_contradict']).sum())} claim up to all ten interviewees and print no list, "
            "so no citation could contradict them; for these only the lower bound is checked",
            "",
            "## Themes with the interviewees the paper cites",
            "",
            "| code | interviewees cited | n | paper says |",
            "|---|---|---|---|",
        ]
        for code, row in tt[tt["n_cited"] > 0].iterrows():
            who = ", ".join(str(n) for n in _NUMBERS if row[n])
            lines.append(f"| `{code}` | {who} | {row['n_cited']} | {row['phrase']} |")
        bad = chk[~chk["consistent"]]
        if len(bad):
            lines += ["", "## Statements the citations contradict", ""]
            lines += [f"- {r.statement_id} `{r.code}` ({r.phrase}): {r.check}" for r in bad.itertuples()]
        word = chk[chk["support"] == "paper's word"]
        if len(word):
            lines += ["", "## Statements resting on the paper's word", "",
                      "The paper cites fewer interviewees by number than its quantifier claims:", ""]
            lines += [f"- {r.statement_id} `{r.code}` \"{r.phrase}\" (claims {r.n_min} to {r.n_max} of "
                      f"{N_INTERVIEWEES}): {r.n_cited} cited" for r in word.itertuples()]
        return "\n".join(lines) + "\n"


def load(path: str | os.PathLike | None = None, *,
         codebooks: Iterable[str | os.PathLike] | str | os.PathLike | None = None) -> Kurusu2015:
    """Read the bundled study data (or a copy of it in ``path``) and check it.

    Parameters
    ----------
    path : str or PathLike, optional
        A folder laid out like ``transcripts/kurusu2015/`` (default: the bundled one).
    codebooks : paths, optional
        Codebook files (default: the four bundled codebooks).

    Raises
    ------
    StudyError
        A file is missing or malformed, an excerpt's offsets do not slice its text out of the
        paper, or a coding does not fit its excerpt or the codebooks.

    Example
    -------
    >>> study = load()
    >>> len(study.interviewees), study.questions["cluster"].nunique()
    (10, 6)
    """
    folder = Path(path) if path is not None else study_dir("kurusu2015")
    paper_path = folder / _FILES["paper"]
    if not paper_path.is_file():
        raise StudyError("missing study data file", path=paper_path)
    paper = read_text(paper_path)
    tables = {name: _read_csv(folder / _FILES[name], cols) for name, cols in _COLUMNS.items()}
    excerpts = tables["excerpts"]
    ex_path = folder / _FILES["excerpts"]
    for i, row in excerpts.iterrows():
        line = i + 2
        try:
            start, end = int(row["start"]), int(row["end"])
        except ValueError:
            raise StudyError("start and end must be whole numbers", path=ex_path, line=line) from None
        if paper[start:end] != row["text"]:
            raise StudyError(f"excerpt {row['excerpt_id']}: offsets {start}-{end} do not slice its text out of paper.txt",
                             path=ex_path, line=line)
        try:
            nums = parse_numbers(row["interviewees"])
        except ValueError:
            raise StudyError(f"interviewees must be ';'-joined numbers, not {row['interviewees']!r}",
                             path=ex_path, line=line) from None
        if any(n not in _NUMBERS for n in nums):
            raise StudyError(f"interviewee numbers must be 1..{N_INTERVIEWEES}: {nums}", path=ex_path, line=line)
        if row["anonymous"].strip().lower() not in ("true", "false"):
            raise StudyError(f"anonymous must be true or false, not {row['anonymous']!r}", path=ex_path, line=line)
    for name, cols in (("interviewees", ("number", "duration_min")), ("questions", ("question_no",)),
                       ("statements", ("start", "end"))):
        for c in cols:
            bad = [i for i, v in enumerate(tables[name][c]) if not v.strip().isdigit()]
            if bad:
                raise StudyError(f"column {c!r} must hold whole numbers, found {tables[name][c].iloc[bad[0]]!r}",
                                 path=folder / _FILES[name], line=bad[0] + 2)
    codebook = load_codebooks(codebooks if codebooks is not None else bundled_codebooks())
    sectors = tables["interviewees"].assign(number=tables["interviewees"]["number"].astype(int)).set_index("number")["sector"]
    docs = []
    for _, row in excerpts.iterrows():
        nums = parse_numbers(row["interviewees"])
        meta = {
            "language": "en",
            "section": row["section"], "section_title": row["section_title"], "cluster": row["cluster"],
            "interviewees": row["interviewees"],
            "sectors": ";".join(dict.fromkeys(sectors[n] for n in nums)),
            "anonymous": row["anonymous"].strip().lower() == "true",
            "attribution": row["attribution"], "kind": row["kind"], "citation": row["citation"],
            "paper_start": int(row["start"]), "paper_end": int(row["end"]),
        }
        docs.append(Document(row["excerpt_id"], row["text"], meta))
    corpus = Corpus(docs)
    cod_path = folder / _FILES["codings"]
    if not cod_path.is_file():
        raise StudyError("missing study data file", path=cod_path)
    codings = read_codings(cod_path)
    problems = check_codings(codings, corpus, codebook)
    if len(problems):
        first = problems.iloc[0]
        raise StudyError(f"{len(problems)} coding problem(s); first: {first['problem']}: {first['detail']}",
                         path=cod_path, line=int(first["row"]) + 2, code=first["code"])
    st = tables["statements"]
    st_path = folder / _FILES["statements"]
    for i, row in st.iterrows():
        if row["code"] not in codebook:
            raise StudyError(f"statement {row['statement_id']}: unknown code {row['code']!r}", path=st_path, line=i + 2)
        try:
            quantifier_range(row["quantifier"], N_INTERVIEWEES)
        except ValueError as exc:
            raise StudyError(str(exc), path=st_path, line=i + 2) from None
        if paper[int(row["start"]):int(row["end"])] != row["text"]:
            raise StudyError(f"statement {row['statement_id']}: offsets do not slice its text out of paper.txt",
                             path=st_path, line=i + 2)
    return Kurusu2015(paper=paper, interviewees=_typed(tables["interviewees"], ints=("number", "duration_min")),
                      questions=_typed(tables["questions"], ints=("question_no",)),
                      excerpts=_typed(excerpts, ints=("start", "end"), bools=("anonymous",)),
                      codings=codings_frame(codings), statements=_typed(st, ints=("start", "end")),
                      codebook=codebook, corpus=corpus, path=folder)


def _typed(df: pd.DataFrame, *, ints=(), bools=()) -> pd.DataFrame:
    """The table with whole-number and true/false columns converted (text stays text)."""
    out = df.copy()
    for c in ints:
        out[c] = out[c].astype("int64")
    for c in bools:
        out[c] = out[c].str.strip().str.lower().map({"true": True, "false": False}).astype(bool)
    return out
