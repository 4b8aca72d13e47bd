"""Site furniture and date formats shared by the page templates.

Furniture carries the boilerplate a reader of the real site sees (nav, "Subscribe",
"Newsfeed", the comment widget...): never inside an article body.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from .corpus.banks import SECTION_NAMES

ASIA_DESCRIPTION = (
    "Find top stories and features from Asia and the Pacific region. Keep updated on major political stories and "
    "analyses from Asia and the Pacific. All you want to know about China, Japan, North and South Korea, India and "
    "Pakistan, Southeast Asia and Oceania."
)
SECTION_ORDER = ("world", "us", "asia", "russia", "europe", "middleeast", "business", "military", "science", "columnists")


def section_name(slug: str) -> str:
    """Display name (an HTML fragment, e.g. 'Asia &amp; Pacific')."""
    return SECTION_NAMES.get(slug, slug.title())


def iso_z(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def local(when: datetime, offset_minutes: int) -> datetime:
    return when.astimezone(timezone(timedelta(minutes=offset_minutes)))


def compact(when: datetime, offset_minutes: int) -> str:
    """`article:published_time` form: 20260729T1319+0800."""
    return local(when, offset_minutes).strftime("%Y%m%dT%H%M%z")


def hm_dmy(when: datetime) -> str:
    """'13:19 29.07.2026' in the datetime's own zone."""
    return when.strftime("%H:%M %d.%m.%Y")


def unix(when: datetime) -> int:
    return int(when.timestamp())


def _nav_items() -> str:
    return "".join(f'<li class="nav__item"><a href="/{s}/" class="nav__link">{section_name(s)}</a></li>' for s in SECTION_ORDER)


CURRENT_HEADER = (
    '<header class="header"><div class="header__top"><a href="/" class="header__logo" title="Sputnik International">'
    'Sputnik International</a><a class="header__subscribe" href="https://t.me/sputnik_int" rel="nofollow">Subscribe</a>'
    '<div class="header__newsfeed"><a href="/archive/" class="header__newsfeed-link">Newsfeed</a></div></div>'
    f'<nav class="nav"><ul class="nav__list">{_nav_items()}</ul></nav></header>'
)

CURRENT_FOOTER = (
    '<footer class="footer"><div class="footer__nav"><ul>' + _nav_items() + "</ul></div>"
    '<div class="footer__links"><a href="/docs/about/index.html">About Us</a> <a href="/docs/about/terms_of_use.html">'
    'Terms of Use</a> <a href="/docs/about/privacy_policy.html">Privacy Policy</a></div>'
    '<div class="footer__copyright">© 2026 Sputnik. All rights reserved</div></footer>'
)

LEGACY_NAV = (
    '<div class="b-sitenav "><div class="l-wrap m-nobgimg"><ul class="b-sitenav__list"><li class="b-sitenav__list-item '
    'm-sitenav-current"><a href="/">Sputnik International</a></li></ul><div class="b-userpanel"><span class="b-sitenav__userauth '
    'auth"><a class="b-sitenav__userauth-login authLoginOpen">Log in</a><a class="b-sitenav__userauth-register '
    'authRegisterOpen">Register</a></span></div></div></div><div class="b-mainnav" id="mainnav"><div class="l-wrap"><ul '
    'class="b-mainnav__list"><li class="b-mainnav__item"><a href="/">Home</a></li><li class="b-mainnav__item"><a href="/world/">'
    'World</a></li><li class="b-mainnav__item"><a href="/business/">Business</a></li><li class="b-mainnav__item"><a '
    'href="/analysis/">Opinion</a></li><li class="b-mainnav__item"><a href="/science/">Tech</a></li></ul></div><div '
    'class="b-mainnav__2level"><div class="l-wrap"><ul class="b-mainnav__2level-list"><li><a href="/us/">US</a></li><li><a '
    'href="/asia/">Asia &amp; Pacific</a></li><li><a href="/russia/">Russia</a></li><li><a href="/europe/">Europe</a></li>'
    '<li><a href="/middleeast/">Middle East</a></li></ul></div></div></div>'
)

# The seed's section banner, shown above Asia articles in the legacy layout.
LEGACY_ASIA_BANNER = (
    '<div class="b-section-banner"><div class="l-wrap"><div class="b-section-banner__title"><a href="/asia/">Asia</a></div>'
    f'<div class="b-section-banner__desc">{ASIA_DESCRIPTION}</div></div></div>'
)

# The seed's comment-widget junk: "0", "To participate in the discussion", "log in or register", "loader".
LEGACY_COMMENTS = (
    '<section class="comments"><a name="comments"></a><div class="title">Discussion</div><div class="comments__counter">0</div>'
    '<div class="comments__placeholder"><p>To participate in the discussion</p><p><a class="authLoginOpen">log in or register'
    '</a></p></div><div class="comments__loader">loader</div></section>'
)

# Sidebar junk: "Newsfeed", "Chats" and the Russian widget string.
LEGACY_SIDEBAR = (
    '<div class="l-sidebar"><div class="b-block b-news m-border"><h6 class="b-block__title">Newsfeed</h6><div '
    'class="b-news__empty">0</div><a href="/archive/" class="b-news__more">All news</a></div><div class="b-chats"><h6 '
    'class="b-block__title">Chats</h6><div class="b-chats__item" data-title="Заголовок открываемого материала">Заголовок '
    'открываемого материала</div></div></div>'
)

LEGACY_FOOTER = (
    '<footer class="footer"><div class="l-wrap m-oh"><div class="footer__nav m-clear"><dl><dt><a href="/news/">News</a></dt>'
    '<dd><a href="/">Home</a><a href="/world/">World</a><ul><li><a href="/us/">US</a></li><li><a href="/asia/">Asia &amp; '
    'Pacific</a></li><li><a href="/russia/">Russia</a></li></ul></dd></dl></div><div class="footer__copyright">\n'
    "                © 2019 Sputnik. All rights reserved\n            </div></div></footer>"
)


def optional(condition: object, text: str) -> str:
    return text if condition else ""

