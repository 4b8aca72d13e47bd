"""Packaging for scrapyd-deploy (an egg of newscrawl, spiders and pipelines)."""

from setuptools import find_packages, setup

setup(
    name="newscrawl",
    version="0.1.0",
    python_requires=">=3.11",
    packages=find_packages(include=["newscrawl", "newscrawl.*", "spiders", "spiders.*", "pipelines", "pipelines.*"]),
    package_data={"newscrawl": ["mirror/corpus/*", "schema/*.json", "migrations/*", "migrations/**/*", "alembic.ini",
                                "browse/metadata.yaml", "browse/templates/*", "browse/static/*"]},
    install_requires=[
        "scrapy==2.19.0",
        "itemadapter==0.13.1",
        "scrapy-playwright==0.0.48",
        "sqlalchemy==2.1.9",
        # readers' SQLite (newscrawl/readers.py); without a wheel for the platform, Python's own
        'pysqlite3-binary==0.5.4.post2; platform_system == "Linux" and platform_machine == "x86_64"',
        "alembic==1.20.1",
        "trafilatura==2.3.1",
        "psycopg[binary]==3.3.9",
        "numpy==2.4.6",
        "ftfy==6.3.1",
        "warcio==1.8.1",
        "datasette==0.65.5",
    ],
    entry_points={"scrapy": ["settings = newscrawl.settings"]},
)
