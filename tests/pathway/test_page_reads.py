"""gating.page_reads: a read-only page judges each pathway's consent and checklist once; outside it
(every write and every service) nothing is remembered, so a judgement is never stale."""

from __future__ import annotations

from types import SimpleNamespace

from pathway.core.gating import once_per_page, page_reads

calls: list[int] = []


@once_per_page
def judge(pathway):
    calls.append(pathway.pk)
    return [f"item of {pathway.pk}"]


def test_outside_a_page_every_call_judges_afresh():
    calls.clear()
    pathway = SimpleNamespace(pk=1)
    judge(pathway)
    judge(pathway)
    assert calls == [1, 1]


def test_inside_a_page_each_pathway_is_judged_once_and_callers_get_their_own_list():
    calls.clear()
    one, two = SimpleNamespace(pk=1), SimpleNamespace(pk=2)
    with page_reads():
        first = judge(one)
        first.append("changed by a caller")
        assert judge(one) == ["item of 1"]
        judge(two)
        judge(SimpleNamespace(pk=1))  # another instance of the same pathway
    assert calls == [1, 2]
    judge(one)  # the page is over: judged afresh
    assert calls == [1, 2, 1]


def test_an_unsaved_pathway_is_never_remembered():
    calls.clear()
    with page_reads():
        judge(SimpleNamespace(pk=None))
        judge(SimpleNamespace(pk=None))
    assert calls == [None, None]
