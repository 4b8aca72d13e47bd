"""Hand-written articles.

Block tuples (all text is HTML text fragments; `form` as model.Block.form, optional):
  ("p" | "h2" | "h3" | "h4" | "quote" | "widget" | "furniture", text[, form])
  ("list", (item, item, ...))
  ("read_more", title, href, target_id[, form])  title/href None = the target's title / canonical URL
  ("media", image url, caption, credit[, form])

The seed article is asia-article-2018-as-text.txt (a copy of
shared/seed/) rebuilt in the legacy markup: its body paragraphs and READ MORE
titles are read from that text verbatim, non-breaking spaces included.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from .banks import DISCLAIMER, WIDGET_JUNK, _nfd

SpecialBlock = tuple[Any, ...]
Special = dict[str, Any]

SEED_ID = "1066021398"
SEED_FILE = Path(__file__).resolve().parent / "asia-article-2018-as-text.txt"
RM_POMPEO_ID = "1066003544"
RM_INDO_US_ID = "1065989457"
RM_SANCTIONS_ID = "1065560210"
OPINION_ID = "1080392170"
RICH_ID = "1116766512"
MULTI_ID = "1113919876"
BLOCK_FORMS_ID = "1118403327"
INLINE_CARDS_ID = "1079216543"

SEED: Special = {
    "id": SEED_ID, "section": "asia", "layout": "legacy", "slug": "us-south-korea-pressure",
    "published": "2018-06-30T01:48:22Z", "modified": "2018-06-30T01:52:10Z",
    "title": "US, South Korea Agree to Keep up Pressure on North Korea - US State Dept.",
    "lead": None, "dateline": "WASHINGTON", "authors": [], "tags": [],
    "image": ("https://cdn1.img.sputniknews.com/images/106573/62/1065736290.jpg",
              "A man watches a TV screen showing file footage of U.S. President Donald Trump, right, and North Korean "
              "leader Kim Jong Un, left, during a news program at the Seoul Railway Station in Seoul, South Korea, "
              "Wednesday, May 23, 2018",
              "© AP Photo / Lee Jin-man"),
    "on_index": True, "roles": ["seed"],
    "blocks": None,  # filled from the seed text below
}

RM_POMPEO: Special = {
    "id": RM_POMPEO_ID, "section": "us", "layout": "legacy", "slug": "pompeo-north-korea-remains-soldiers",
    "published": "2018-06-29T15:20:11Z", "modified": "2018-06-29T15:31:40Z",
    "title": "Pompeo Contradicts Trump, Says North Korea Yet to Return Remains of US Soldiers",
    "lead": "The US top diplomat said the process of repatriating the remains of servicemen killed in the Korean War could take time.",
    "dateline": "WASHINGTON", "authors": [], "tags": [], "image": None, "on_index": False, "roles": ["seed-target"],
    "blocks": [
        ("p", "WASHINGTON (Sputnik) - US Secretary of State Mike Pompeo said on Friday that North Korea has not yet returned "
              "the remains of US soldiers killed during the 1950-1953 Korean War, contradicting earlier remarks by President Donald Trump."),
        ("p", "Trump said last week that the remains of 200 servicemen had already been sent back, citing the agreement he "
              "reached with North Korean leader Kim Jong Un in Singapore."),
        ("p", "&quot;We are working on it. We hope it will happen soon,&quot; Pompeo told reporters, adding that the process could take time."),
        ("p", "About 7,700 US troops are still listed as missing from the Korean War, according to the Pentagon&#8217;s "
              "Defense POW/MIA Accounting Agency."),
    ],
}

RM_INDO_US: Special = {
    "id": RM_INDO_US_ID, "section": "asia", "layout": "legacy", "slug": "india-us-talks-called-off",
    "published": "2018-06-28T09:02:45Z", "modified": "2018-06-28T09:10:02Z",
    "title": "Key Indo-US Talks Called Off Amid Trade Tensions",
    "lead": "The first &#8216;2+2&#8217; dialogue between the two countries&#8217; foreign and defence ministers has been postponed for the second time this year.",
    "dateline": "NEW DELHI", "authors": [], "tags": [],
    "image": ("https://cdn2.img.sputniknews.com/images/106598/94/1065989433.jpg",
              "Indian Prime Minister Narendra Modi, right, and US President Donald Trump at the White House",
              "© AP Photo / Susan Walsh"),
    "on_index": False, "roles": ["seed-target"],
    "blocks": [
        ("p", "NEW DELHI (Sputnik) - The first round of the so-called 2+2 dialogue between the foreign and defence ministers "
              "of India and the United States, scheduled for July 6 in Washington, has been postponed, India&#8217;s "
              "External Affairs Ministry said on Thursday."),
        ("p", "The ministry said US Secretary of State Mike Pompeo had informed External Affairs Minister Sushma Swaraj of "
              "the decision by phone, citing &quot;unavoidable reasons&quot;."),
        ("p", "The postponement comes amid trade tensions between the two countries after New Delhi announced retaliatory "
              "tariffs on 29 US goods in response to US duties on steel and aluminum."),
        ("p", "Indian officials said new dates for the talks would be agreed through diplomatic channels."),
    ],
}

RM_SANCTIONS: Special = {
    "id": RM_SANCTIONS_ID, "section": "asia", "layout": "legacy", "slug": "us-south-korea-un-sanctions-pyongyang",
    "published": "2018-06-14T10:31:05Z", "modified": "2018-06-14T10:44:51Z",
    "title": "US, S Korea Say UN Sanctions on Pyongyang to Be Kept Until Full Denuclearization",
    "lead": "Washington and Seoul said they would keep pressure on North Korea despite the outcome of the Singapore summit.",
    "dateline": "SEOUL", "authors": [], "tags": [],
    "image": ("https://cdn3.img.sputniknews.com/images/106556/01/1065560188.jpg",
              "US Secretary of State Mike Pompeo and South Korean Foreign Minister Kang Kyung-wha in Seoul",
              "© REUTERS / Kim Hong-Ji"),
    "on_index": True, "roles": ["seed-target"],
    "blocks": [
        ("p", "SEOUL (Sputnik) - US Secretary of State Mike Pompeo and South Korean Foreign Minister Kang Kyung-wha said on "
              "Thursday that UN sanctions against North Korea would remain in place until Pyongyang completes its denuclearization."),
        ("p", "&quot;We will keep the sanctions until there is complete denuclearization,&quot; Kang told a joint press "
              "conference in Seoul, which was also attended by Japanese Foreign Minister Taro Kono."),
        ("p", "Pompeo arrived in Seoul after attending the summit between US President Donald Trump and North Korean leader "
              "Kim Jong Un in Singapore on June 12."),
        ("p", "The three ministers also agreed to continue close coordination on the implementation of the Singapore agreement."),
    ],
}

OPINION: Special = {
    "id": OPINION_ID, "section": "asia", "layout": "legacy", "slug": "why-tokyos-defense-push-worries-its-neighbors",
    "published": "2020-09-15T12:05:41Z", "modified": "2020-09-15T12:20:03Z",
    "title": "Why Tokyo&#8217;s Defense Push Worries Its Neighbors",
    "lead": "Japan&#8217;s plan to raise defense spending is being watched closely in Beijing, Seoul and Pyongyang, and for good reason, argues Anna Petrova.",
    "dateline": None, "authors": ["Anna Petrova"], "tags": [],
    "image": ("https://cdn4.img.sputniknews.com/images/108039/21/1080392101.jpg",
              "Members of Japan Ground Self-Defense Force take part in a drill near Tokyo",
              "© REUTERS / Issei Kato"),
    "on_index": True, "roles": ["opinion"], "disclaimer": DISCLAIMER,
    "blocks": [
        ("p", "When Japanese officials talk about &quot;counterstrike capabilities&quot;, their neighbors hear something else: "
              "a country preparing to move beyond the pacifist limits of its post-war constitution."),
        ("p", "Tokyo insists that the plan is purely defensive. Yet the numbers speak for themselves: military spending is set "
              "to rise to about 2% of GDP, making Japan one of the largest defense spenders in the world."),
        ("quote", "&#8220;We have no intention of threatening anyone,&#8221; a senior official at the Defense Ministry in 東京 told reporters."),
        ("p", "Beijing has <a href=\"https://www.reuters.com/world/asia-pacific/\" target=\"_blank\" rel=\"noopener\">repeatedly "
              "warned</a> that Japan&#8217;s military build-up could destabilize the region."),
        ("read_more", "Reuters: Asia Pacific news", "https://www.reuters.com/world/asia-pacific/", None),
        ("p", "In Seoul, memories of the colonial period remain fresh, and any talk of Japanese rearmament touches a nerve."),
        ("quote", "&#8220;History matters here more than budgets,&#8221; says a retired South Korean diplomat."),
        ("p", "The question is not whether Japan has the right to defend itself. It is whether a region without a security "
              "architecture can absorb yet another arms race."),
    ],
}

RICH: Special = {
    "id": RICH_ID, "section": "asia", "layout": "current", "slug": "seoul-and-tokyo-revive-shuttle-diplomacy",
    "published": "2024-02-14T06:30:00Z", "modified": "2024-02-14T08:05:00Z", "utc_offset": 540,
    "title": "Seoul and Tokyo Revive &#8216;Shuttle Diplomacy&#8217; as North Korea Tests New Missile",
    "lead": "The leaders of the two US allies agreed to resume regular visits after a 12-year pause, hours after Pyongyang "
            "fired what it called a new type of cruise missile.",
    "dateline": "SEOUL", "authors": ["Kim Soo-yeon"], "tags": ["South Korea", "Japan", "North Korea", "Shuttle Diplomacy"],
    "image": ("https://cdn1.img.sputnikglobe.com/img/07e8/02/0e/1116766400_0:160:3072:1888_1920x0_80_0_0_8c2f1a9d0b7e4c3a.jpg",
              "South Korean President Yoon Suk-yeol, right, and Japanese Prime Minister Fumio Kishida shake hands in Seoul",
              "© AP Photo / Ahn Young-joon"),
    "on_index": True, "roles": ["current-rich"],
    "blocks": [
        ("p", "SEOUL (Sputnik) - South Korean President Yoon Suk-yeol and Japanese Prime Minister Fumio Kishida agreed on "
              "Wednesday to restore regular reciprocal visits, known as &#8216;shuttle diplomacy&#8217;, that were suspended more than a decade ago."),
        ("p", "The two leaders met at the presidential office in Seoul, where they also discussed supply chains for "
              "semiconductors and the situation on the Korean Peninsula."),
        ("h2", "What Was Agreed"),
        ("p", "According to a joint statement, Seoul and Tokyo will relaunch a bilateral security dialogue and set up a new "
              "council on economic security."),
        ("quote", "&#8220;A new chapter has opened in relations between our two countries,&#8221; Yoon told reporters after the talks."),
        ("p", "Kishida said he felt &quot;heartfelt pain&quot; over the suffering of Koreans during Japan&#8217;s colonial "
              "rule, but stopped short of a new apology."),
        ("read_more", None, None, MULTI_ID),
        ("media", "https://cdn1.img.sputnikglobe.com/img/07e8/02/0e/1116766455_0:0:3000:2000_1440x0_80_0_0_f3a1c2.jpg",
         "Protesters rally against the summit outside the presidential office in 서울 (Seoul)", "© Sputnik / Kim Min-ji"),
        ("h3", "Reaction in Pyongyang"),
        ("p", "North Korea&#8217;s state media did not immediately comment on the summit. Hours before the meeting, the "
              "Korean Central News Agency reported the test of a new cruise missile off the east coast."),
        ("widget", WIDGET_JUNK),
        ("p", "The next meeting between the two leaders is expected to take place in Tokyo later this year."),
        ("read_more", None, None, SEED_ID),
    ],
}

MULTI: Special = {
    "id": MULTI_ID, "section": "asia", "layout": "current", "slug": "modi-hosts-kishida-and-yoon-as-asian-partners-eye-chips",
    "published": "2023-09-20T09:45:00Z", "modified": None, "utc_offset": 330,
    "title": "Modi Hosts Kishida &amp; Yoon in नई दिल्ली as Asian&nbsp;Partners Eye Chip\u200b Supply Chains",
    "lead": "Leaders of India, Japan and South Korea discussed semiconductor supply chains on the sidelines of a regional "
            "forum in the Indian capital.",
    "dateline": "NEW DELHI", "authors": ["Priya Raman", "Kim Soo-yeon", "佐藤 遥 (Sato Haruka)"],
    "tags": ["India", "Japan", "South Korea", "Semiconductors"],
    "image": ("https://cdn1.img.sputnikglobe.com/img/07e7/09/14/1113919801_0:0:3072:1728_1920x0_80_0_0_5b7e2d9c.jpg",
              "Indian Prime Minister Narendra Modi greets Japanese Prime Minister Fumio Kishida in नई दिल्ली",
              "© AP Photo / Manish Swarup"),
    "on_index": True, "roles": ["current-multi-author"],
    "blocks": [
        ("p", "NEW DELHI (Sputnik) - Indian Prime Minister Narendra Modi on Wednesday hosted Japanese Prime Minister Fumio "
              "Kishida and South Korean President Yoon Suk-yeol in नई दिल्ली (New Delhi) for talks on semiconductor supply chains."),
        ("p", "Kishida, who flew in from 東京 (Tokyo) on Tuesday, said Japan was ready to invest ¥500&nbsp;billion in chip "
              "plants in India over the next five years."),
        ("p", "Yoon&#8217;s office in 서울 (Seoul) said the three leaders had agreed\u00a0to hold a trilateral meeting on "
              "critical minerals before the end of the year."),
        ("quote", "&#8220;Our partnership is not directed against any third country,&#8221; Modi said."),
        ("p", "China&#8217;s Foreign Ministry spokeswoman Mao Ning said in 北京 (Beijing) that Asian countries should "
              "&quot;avoid bloc confrontation&quot;."),
        ("p", "Vietnamese Prime Minister " + _nfd("Phạm Minh Chính") + " is expected to join the next round of talks, diplomats said."),
        ("p", "The talks in the Indian capital lasted about two\u200b hours."),
    ],
}

# Every form of body block the current layout is known or expected to write (SPUTNIK-MARKUP.md,
# issue 15): sub-heads in blocks of their own, a list block, a vrez, blocks of kinds the parsers
# do not know that hold text, and the furniture kinds (machine summary, banner, photolenta, tags).
BLOCK_FORMS: Special = {
    "id": BLOCK_FORMS_ID, "section": "asia", "layout": "current", "slug": "japan-opens-first-automated-container-terminal",
    "published": "2024-05-21T03:40:00Z", "modified": "2024-05-21T05:12:00Z", "utc_offset": 540,
    "title": "Japan Opens First Fully Automated Container Terminal as Asian Ports Race to Cut Costs",
    "lead": "The new terminal in Yokohama can handle 40,000 containers with a fraction of the staff of a conventional one.",
    "dateline": "TOKYO", "authors": ["Hiroshi Tanaka"], "tags": ["Japan", "Ports", "Automation"],
    "image": ("https://cdn1.img.sputnikglobe.com/img/07e8/05/15/1118403301_0:0:3072:1728_1920x0_80_0_0_9a4c.jpg",
              "Remote-controlled cranes at the new container terminal in Yokohama", "© AP Photo / Eugene Hoshiko"),
    "on_index": False, "roles": ["current-block-forms"],
    "blocks": [
        ("furniture", "Japan has opened an automated container terminal in Yokohama, officials said.", "summary"),
        ("p", "TOKYO (Sputnik) - Japan on Tuesday opened its first fully automated container terminal at the port of "
              "Yokohama, joining a race among Asian ports to cut handling costs and waiting times for ships."),
        ("p", "The terminal, built by a consortium of Japanese shipping and engineering companies, cost about "
              "&#165;120&nbsp;billion and took four years to complete."),
        ("h2", "New Automated Berths", "block"),
        ("p", "The two new berths are served by cranes that operators steer from a control room three kilometres away."),
        ("list", ("Two berths with a combined length of 700 metres;", "24 remote-controlled cranes;",
                  "A yard for 40,000 containers.")),
        ("furniture", "Advertisement", "banner"),
        ("p", "Port officials expect the terminal to handle a fifth of Yokohama&#8217;s container traffic by 2026.",
         "kind:infobox"),
        ("h3", "Costs and Jobs", "block"),
        ("quote", "&#8220;Automation is the only way to keep our ports competitive,&#8221; the transport minister said.",
         "vrez"),
        ("p", "Dock workers&#8217; unions have warned that hundreds of jobs could be lost as other terminals follow."),
        ("read_more", None, None, RICH_ID),
        ("furniture", "Photos: Yokohama Port by Night", "photolenta"),
        ("h4", "What Comes Next"),
        ("p", "Busan, Shanghai and Singapore already run automated terminals; Kobe plans one for 2027.", "kind:infobox"),
        ("p", "2019: plans approved. 2021: construction begins. 2024: the terminal opens.", "kind:timeline"),
        ("p", "The ministry said it would publish a first assessment of the terminal&#8217;s costs next spring."),
        ("furniture", "Japan Ports Automation", "tags"),
        ("widget", WIDGET_JUNK),
    ],
}

# A 2020 legacy article with related-article cards inside its body (`div.b-inject.m-inject-min`,
# as a real 2020 page of the layout shows them; one inside a `div.b-article__inject` wrapper),
# a "READ MORE:" paragraph, and b-inject media (a video embed, an audio) that are not links.
INLINE_CARDS: Special = {
    "id": INLINE_CARDS_ID, "section": "asia", "layout": "legacy", "slug": "philippines-extends-luzon-lockdown",
    "published": "2020-04-29T10:52:31Z", "modified": "2020-04-29T11:14:02Z",
    "title": "Philippines Extends Luzon Lockdown as Manila Tests Thousands a Day",
    "lead": "President Rodrigo Duterte extended the quarantine of the main island until mid-May.",
    "dateline": "MANILA", "authors": [], "tags": [],
    "image": ("https://cdn1.img.sputniknews.com/images/107921/65/1079216501.jpg",
              "A police officer checks a motorist at a quarantine checkpoint in Manila", "© AP Photo / Aaron Favila"),
    "on_index": False, "roles": ["legacy-inline-cards"],
    "blocks": [
        ("p", "MANILA (Sputnik) - The Philippines extended the lockdown of the island of Luzon, home to more than half of "
              "the country&#8217;s population, until 15 May, the presidential palace said on Wednesday."),
        ("p", "The country&#8217;s health ministry said laboratories in Manila now test about 8,000 people a day."),
        ("read_more", None, None, RM_SANCTIONS_ID, "inject"),
        ("p", "Businesses in the capital region will stay closed, except for food shops, pharmacies and banks."),
        ("media", "https://www.youtube.com/embed/Xq2vW0w2oQk", "Video: Empty Streets of Manila Under Lockdown",
         "© Sputnik / Ruptly", "videoembed"),
        ("p", "Provinces with few cases will be allowed to reopen some factories under a looser quarantine."),
        ("read_more", None, None, RM_POMPEO_ID),
        ("p", "Officials said the government would review the measures again before the middle of May."),
        ("read_more", None, None, OPINION_ID, "inject-wrapped"),
        ("media", "https://cdn1.img.sputniknews.com/audio/107921/65/1079216540.mp3",
         "Listen: Radio Sputnik&#8217;s Manila Correspondent", "", "audio"),
        ("p", "The Philippines has reported more than 8,000 cases of the disease so far."),
    ],
}

# The seed's READ MORE targets, in the order the seed links them.
_SEED_LINKS = (
    ("https://sputniknews.com/us/201806291066003544-pompeo-north-korea-remains-soldiers/", RM_POMPEO_ID),
    ("https://sputniknews.com/asia/201806281065989457-india-us-talks-called-off/", RM_INDO_US_ID),
    ("https://sputniknews.com/asia/201806141065560210-us-south-korea-un-sanctions-pyongyang/", RM_SANCTIONS_ID),
)


def seed_blocks() -> list[SpecialBlock]:
    """Body of the seed article, verbatim from the seed text (its NBSPs included).

    The body runs from the line after "Subscribe" to the line before "Newsfeed";
    "READ MORE:" lines become READ MORE links to the targets above.
    """
    lines = SEED_FILE.read_text(encoding="utf-8").split("\n")
    body = [line for line in lines[lines.index("Subscribe") + 1: lines.index("Newsfeed")] if line.strip()]
    links = iter(_SEED_LINKS)
    blocks: list[SpecialBlock] = []
    for line in body:
        text = html.escape(line, quote=False)  # plain text -> HTML text fragment
        if line.startswith("READ MORE:"):
            href, target = next(links)
            blocks.append(("read_more", text[len("READ MORE:"):].strip(), href, target))
        else:
            blocks.append(("p", text))
    assert next(links, None) is None, "the seed text must hold exactly three READ MORE lines"
    return blocks


SEED["blocks"] = seed_blocks()

SPECIALS: tuple[Special, ...] = (SEED, RM_POMPEO, RM_INDO_US, RM_SANCTIONS, OPINION, RICH, MULTI, BLOCK_FORMS, INLINE_CARDS)
