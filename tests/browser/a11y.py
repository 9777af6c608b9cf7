"""axe-core (through axe-playwright-python, which vendors axe.min.js) for the browser tests.

`assert_accessible(page, where)` runs the WCAG 2.1 A/AA rules over the page as it stands and
fails with one line per violation and node, so a failure names the rule, the element and the
help text instead of a count."""

from axe_playwright_python.sync_playwright import Axe

# Every violation is reported in full; "resultTypes" only spares axe listing every node of the
# rules that pass (it checks the same; the page's full results were most of a crawl's time).
WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}

_axe = Axe()


def violations(page, options=None):
    """The violations axe finds on the page, as (rule id, impact, target, help) tuples."""
    results = _axe.run(page, options=options or WCAG_AA)
    found = []
    for rule in results.response.get("violations", []):
        for node in rule["nodes"]:
            found.append((rule["id"], rule.get("impact"), " ".join(map(str, node["target"])), rule["help"]))
    return found


def assert_accessible(page, where="", options=None):
    found = violations(page, options)
    assert not found, f"axe-core violations on {where or page.url}:\n" + "\n".join(
        f"  {rule} [{impact}] {target}: {text}" for rule, impact, target, text in found
    )
