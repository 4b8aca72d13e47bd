"""Strict inputs, rule by rule: setting names (settings and environment), setting values, and the
spider's -a arguments. The command-line behaviour (one line, exit 2) is in tests/e2e/test_strict_inputs.py."""

from __future__ import annotations

import re
from datetime import date

import pytest
from scrapy.settings import Settings
from twisted.internet.defer import fail

from newscrawl.config import ENVIRONMENT_VARIABLES, KNOWN_SETTINGS, ConfigError, check_setting_names, check_setting_values
from newscrawl.extensions import catch_refused_start
from spiders.asia import AsiaSpider
from tests.conftest import PROJECT_ROOT


def project_settings(**overrides: object) -> Settings:
    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    settings.setdict(overrides, priority="cmdline")
    return settings


def test_every_newscrawl_name_the_code_and_deploy_files_use_is_registered() -> None:
    sources = [
        p for folder in ("newscrawl", "spiders", "pipelines", "deploy") for p in (PROJECT_ROOT / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    used = {name for p in sources for name in re.findall(r"NEWSCRAWL_[A-Z_]*[A-Z]", p.read_text(errors="replace"))}
    assert "NEWSCRAWL_DATA_DIR" in used and "NEWSCRAWL_HEALTH_MAX_AGE_HOURS" in used  # the scan found the code
    assert used <= set(KNOWN_SETTINGS) | set(ENVIRONMENT_VARIABLES)


def test_the_projects_own_settings_and_the_schedules_environment_pass() -> None:
    check_setting_names(project_settings(), environ={"NEWSCRAWL_DATA_DIR": "/srv", "NEWSCRAWL_BASE_URL": "", "PATH": "/bin"})
    check_setting_values(project_settings())


@pytest.mark.parametrize(
    "name,message",
    [
        ("NEWSCRAWL_REFRES_DAYS", "unknown setting NEWSCRAWL_REFRES_DAYS (did you mean NEWSCRAWL_REFRESH_DAYS?)"),
        ("NEWSCRAWL_BATCHSIZE", "unknown setting NEWSCRAWL_BATCHSIZE (did you mean NEWSCRAWL_BATCH_SIZE?)"),
        ("NEWSCRAWL_HEALTH_MAX_AGE", "(did you mean NEWSCRAWL_HEALTH_MAX_AGE_HOURS?)"),
        ("NEWSCRAWL_COLOUR", "unknown setting NEWSCRAWL_COLOUR; README"),  # nothing near: no guess
        ("NEWSCRAWL_BASE_URL", "NEWSCRAWL_BASE_URL (an environment variable of the schedules: give -a base_url=URL)"),
    ],
)
def test_an_unknown_setting_names_the_nearest_one(name: str, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        check_setting_names(project_settings(**{name: "5"}), environ={})
    assert message in str(refused.value)


@pytest.mark.parametrize(
    "name,message",
    [
        ("NEWSCRAWL_DATADIR", "NEWSCRAWL_DATADIR in the environment is not an environment variable newscrawl reads (did you mean NEWSCRAWL_DATA_DIR?)"),
        ("NEWSCRAWL_BATCH_SIZE", "NEWSCRAWL_BATCH_SIZE in the environment is a setting, not read from the environment: give -s NEWSCRAWL_BATCH_SIZE=VALUE"),
    ],
)
def test_a_newscrawl_environment_variable_nothing_reads_is_refused(name: str, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        check_setting_names(project_settings(), environ={name: "/srv/newscrawl"})
    assert str(refused.value) == message


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("LOGSTATS_INTERVAL", "abc", "LOGSTATS_INTERVAL must be a number, not 'abc'"),
        ("NEWSCRAWL_PROGRESS_INTERVAL", "-5", "NEWSCRAWL_PROGRESS_INTERVAL must be 0 or more, not '-5'"),
        ("DOWNLOAD_DELAY", "-1", "DOWNLOAD_DELAY must be 0 or more, not '-1'"),
        ("DOWNLOAD_TIMEOUT", "0", "DOWNLOAD_TIMEOUT must be more than 0, not '0'"),
        ("CONCURRENT_REQUESTS", "0", "CONCURRENT_REQUESTS must be at least 1, not 0"),
        ("CONCURRENT_REQUESTS_PER_DOMAIN", "2.5", "CONCURRENT_REQUESTS_PER_DOMAIN must be a whole number, not '2.5'"),
        ("RETRY_TIMES", "-2", "RETRY_TIMES must be 0 or more, not -2"),
        ("AUTOTHROTTLE_TARGET_CONCURRENCY", "0", "AUTOTHROTTLE_TARGET_CONCURRENCY must be more than 0, not '0'"),
        ("AUTOTHROTTLE_ENABLED", "yes", "AUTOTHROTTLE_ENABLED takes True or False, not 'yes'"),
        ("DOWNLOAD_MAXSIZE", "10MB", "DOWNLOAD_MAXSIZE must be a whole number, not '10MB'"),
        ("CLOSESPIDER_ITEMCOUNT", "many", "CLOSESPIDER_ITEMCOUNT must be a whole number, not 'many'"),
        ("ROBOTSTXT_OBEY", "sometimes", "ROBOTSTXT_OBEY takes True or False, not 'sometimes'"),
        ("NEWSCRAWL_STORE_ENABLED", "nope", "NEWSCRAWL_STORE_ENABLED takes True or False, not 'nope'"),
        ("LOG_LEVEL", "info", "LOG_LEVEL takes one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'info'"),
    ],
)
def test_a_bad_value_of_a_setting_the_crawl_relies_on_says_what_it_takes(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        check_setting_values(project_settings(**{name: value}))
    assert str(refused.value) == message


@pytest.mark.parametrize(
    "name,value", [("DOWNLOAD_DELAY", "0"), ("RETRY_TIMES", "0"), ("ROBOTSTXT_OBEY", "False"), ("LOG_LEVEL", "DEBUG"), ("CLOSESPIDER_TIMEOUT", "3.5")],
)
def test_good_values_pass(name: str, value: str) -> None:
    check_setting_values(project_settings(**{name: value}))


@pytest.mark.parametrize(
    "arguments,message",
    [
        ({"bogus": "1"}, "-a bogus= is not an argument of this spider; it takes base_url, since, until, refresh"),
        ({"baseurl": "http://127.0.0.1:8000"}, "-a baseurl= is not an argument of this spider (did you mean base_url?); it takes base_url, since, until, refresh"),
        ({"name": "other"}, "-a name= is not an argument of this spider"),
        ({"until": "2018-06-30"}, "-a until=2018-06-30 needs -a since="),
        ({"base_url": "http://127.0.0.1:99999"}, "-a base_url=http://127.0.0.1:99999 is not a usable URL: Port out of range 0-65535"),
        ({"base_url": "http://127.0.0.1:port"}, "-a base_url=http://127.0.0.1:port is not a usable URL"),
        ({"base_url": "http:///asia/"}, "-a base_url= must be an http(s) URL with a host, not 'http:///asia/'"),
        ({"base_url": "http://[::1"}, "-a base_url=http://[::1 is not a usable URL"),
    ],
)
def test_bad_spider_arguments(arguments: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        AsiaSpider.check_arguments(**arguments)
    assert str(refused.value).startswith(message)
    with pytest.raises(ConfigError):  # the spider refuses them too, however it is made
        AsiaSpider(**arguments)


def test_scrapyds_job_argument_and_a_full_window_are_taken() -> None:
    spider = AsiaSpider(_job="0123abcd", since="2018-06-01", until="2018-06-30", base_url="http://127.0.0.1:8000/")
    assert (spider.base_url, spider.since, spider.until) == ("http://127.0.0.1:8000", date(2018, 6, 1), date(2018, 6, 30))
    assert spider.crawl_arguments["_job"] == "0123abcd"


def test_a_components_config_error_at_start_is_caught_for_the_one_line_exit_2() -> None:
    """A setting only a component reads (in its from_crawler) is caught as the lock is: the crawl
    command logs it in one line and exits 2 instead of a traceback."""
    bad = ConfigError("NEWSCRAWL_SOMETHING must be at least 1, not 0")
    assert catch_refused_start(fail(bad)) == [bad]
    other = fail(RuntimeError("not ours"))
    assert catch_refused_start(other) == []
    other.addErrback(lambda failure: failure.trap(RuntimeError))  # still failing: left to Scrapy
