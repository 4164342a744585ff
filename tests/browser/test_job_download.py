"""A file job's page offers the file as soon as the job ends, without a reload: the school admin
watches the 审证 package's bar on the 审证材料 page; the job finishes (here in the test's thread,
as a worker would); the bar's poll brings the download button, and the click downloads the ZIP."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.jobs import job_create
from reports import package as P

pytestmark = pytest.mark.browser


def test_the_package_download_appears_when_the_job_ends_without_a_reload(world, session, screenshots):
    job = job_create(kind=P.KIND, owner=world.school_admin, total=4)
    job.result = {"school": world.school.pk, "year": world.year.start_year, "applicants": []}
    job.save(update_fields=["result"])
    s = session("schooladmin")
    page = s.page
    page.goto(reverse("reports:index") + f"?school={world.school.pk}&year={world.year.start_year}&job={job.pk}")
    card = page.get_by_test_id("package-job")
    expect(card).to_contain_text("完成后此处即出现下载按钮")
    assert page.get_by_test_id("package-download").count() == 0
    page.screenshot(path=str(screenshots / "reports-package-running.png"), full_page=True)
    loads = []
    page.on("load", lambda: loads.append(page.url))

    P.package_run(job_id=job.pk)  # the worker's part: the bar's next poll sees the job done

    button = page.get_by_test_id("package-download")
    expect(button).to_be_visible()
    expect(button).to_contain_text(f"下载 {world.school.name}-")
    expect(card).not_to_contain_text("完成后此处即出现下载按钮")
    assert loads == []  # no reload, no navigation
    page.screenshot(path=str(screenshots / "reports-package-done.png"), full_page=True)
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename.endswith("审证材料.zip")
    assert s.errors == []
