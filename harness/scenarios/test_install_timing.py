"""Contract §5, ``website_visited`` for a script installed the old way: a plain, blocking
``<script src>`` at the top of ``<head>``, before the title and the body exist. The script
then runs while the document is still loading, and the visit it reports must still be the
parsed page's (its title), once, with clicks on the page reported as anywhere else. The estate's
``broken/blocking.html`` installs so (the conformance audit warns, WT007, but it tracks);
every other page uses ``defer``, which runs the script after parsing.
"""

import pytest

pytestmark = pytest.mark.browser



def test_a_blocking_install_before_the_title_reports_the_parsed_page(visitor, webtrack):
    profile = webtrack.profile()["id"]
    page = visitor.arrive(profile, "broken", "/blocking.html")
    (visit,) = webtrack.expect(profile, "website_visited")
    assert visit["msdynci_viewtitle"] == "Blocking install — non-conformant"
    assert visit["msdynci_viewuri"] == visitor.url("broken", "/blocking.html")
    page.click("#home")
    (click,) = webtrack.expect(profile, "website_link_clicked")
    assert click["msdynci_linkuri"] == visitor.url("broken", "/")
    assert click["msdynci_viewtitle"] == visit["msdynci_viewtitle"]
    home = webtrack.expect(profile, "website_visited", msdynci_viewname="/")[0]
    assert home["msdynci_viewpreviousviews"] == visit["msdynci_viewuri"]
    assert len(webtrack.interactions(profile, "website_visited")) == 2
