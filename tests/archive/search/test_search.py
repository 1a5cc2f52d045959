"""The backend-neutral pieces of search: query words and highlighted snippets."""

from __future__ import annotations

from archive.search import query_words, snippet


def test_query_words_leave_out_operators_fields_and_excluded_words() -> None:
    words = query_words('"Bescheid vom" AND Grundsteuer -Hund title:Bauantrag OR 181/815')
    assert words == ["Bescheid", "vom", "Grundsteuer", "Bauantrag", "181", "815"]


def test_snippet_marks_whole_words_holding_a_stem_and_escapes_the_rest() -> None:
    text = "Der Hundesteuerbescheid <Entwurf> für das Grundstück wurde festgesetzt."
    marked = snippet(text, ["steu", "grundstuck", "festgesetzt"])
    assert marked == (
        "Der <b>Hundesteuerbescheid</b> &lt;Entwurf&gt; für das <b>Grundstück</b> "
        "wurde <b>festgesetzt</b>."
    )


def test_snippet_finds_words_the_stemmer_folded() -> None:
    assert snippet("Straße und STRASSE", ["strass"]) == "<b>Straße</b> und <b>STRASSE</b>"
    assert snippet("Häuser", ["haus"]) == "<b>Häuser</b>"


def test_short_stems_mark_only_words_that_begin_with_them() -> None:
    assert snippet("Bau, Bauantrag, Abbau", ["bau"]) == "<b>Bau</b>, <b>Bauantrag</b>, Abbau"


def test_snippet_shows_the_window_with_the_most_different_words() -> None:
    filler = "Lorem ipsum dolor sit amet. " * 20
    text = f"Antrag am Anfang. {filler}Antrag auf Baugenehmigung hier. {filler}"
    marked = snippet(text, ["antrag", "baugenehmig"], width=120)
    assert "<b>Antrag</b> auf <b>Baugenehmigung</b>" in marked
    assert "Anfang" not in marked
    assert len(marked.replace("<b>", "").replace("</b>", "")) <= 120


def test_snippet_without_a_match_is_the_start_of_the_text_on_one_line() -> None:
    assert snippet("Erste Zeile\nzweite Zeile " * 30, ["fehlt"], width=30) == (
        "Erste Zeile zweite Zeile Erste"
    )
    assert snippet("", ["wort"]) == ""
