"""Phrase and name banks for generated articles.

Every string is an HTML text fragment (see ../text.py): `&amp;`, `&#8217;`,
`&quot;` and friends are on purpose, so the crawler meets them everywhere.
Templates use str.format slots filled by generate.py:
{country} {adj} {city} {native_city} {leader_title} {leader} {official_title}
{official} {partner} {partner_adj} {partner_leader} {topic} {topic_title}
{agency} {org} {field} {num} {num2} {num3} {pct} {weekday} {month} {year}.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    title: str  # "President", "Foreign Minister"...
    name: str
    years: tuple[int, int]  # in office, inclusive; generated text picks people of its year


@dataclass(frozen=True)
class Actor:
    """A country (or bloc) that stories are about."""

    name: str  # as used mid-sentence: "South Korea", "the Philippines"
    adj: str
    dateline: str  # as printed before " (Sputnik) - "
    city: str
    native_city: str  # the capital in native script, or "" when we don't use one
    utc_offset: int  # minutes
    agency: str
    leaders: tuple[Person, ...]
    officials: tuple[Person, ...]


def _nfd(text: str) -> str:
    """Decomposed spelling: the expected values must come out NFC."""
    return unicodedata.normalize("NFD", text)


ASIA: tuple[Actor, ...] = (
    Actor("South Korea", "South Korean", "SEOUL", "Seoul", "서울", 540, "Yonhap",
          (Person("President", "Park Geun-hye", (2013, 2017)), Person("President", "Moon Jae-in", (2017, 2022)),
           Person("President", "Yoon Suk-yeol", (2022, 2025)), Person("President", "Lee Jae-myung", (2025, 2026))),
          (Person("Foreign Minister", "Yun Byung-se", (2013, 2017)), Person("Foreign Minister", "Kang Kyung-wha", (2017, 2021)),
           Person("Foreign Minister", "Chung Eui-yong", (2021, 2022)), Person("Foreign Minister", "Park Jin", (2022, 2024)),
           Person("Foreign Minister", "Cho Tae-yul", (2024, 2026)))),
    Actor("Japan", "Japanese", "TOKYO", "Tokyo", "東京", 540, "Kyodo",
          (Person("Prime Minister", "Shinzo Abe", (2012, 2020)), Person("Prime Minister", "Yoshihide Suga", (2020, 2021)),
           Person("Prime Minister", "Fumio Kishida", (2021, 2024)), Person("Prime Minister", "Shigeru Ishiba", (2024, 2026))),
          (Person("Foreign Minister", "Fumio Kishida", (2012, 2017)), Person("Foreign Minister", "Taro Kono", (2017, 2019)),
           Person("Foreign Minister", "Toshimitsu Motegi", (2019, 2021)), Person("Foreign Minister", "Yoshimasa Hayashi", (2021, 2023)),
           Person("Foreign Minister", "Yoko Kamikawa", (2023, 2026)))),
    Actor("China", "Chinese", "BEIJING", "Beijing", "北京", 480, "Xinhua",
          (Person("President", "Xi Jinping", (2013, 2026)), Person("Premier", "Li Keqiang", (2013, 2023)),
           Person("Premier", "Li Qiang", (2023, 2026))),
          (Person("Foreign Minister", "Wang Yi", (2013, 2026)), Person("Foreign Ministry spokeswoman", "Hua Chunying", (2015, 2024)),
           Person("Foreign Ministry spokesman", "Zhao Lijian", (2020, 2023)), Person("Foreign Ministry spokesman", "Wang Wenbin", (2020, 2024)),
           Person("Foreign Ministry spokeswoman", "Mao Ning", (2022, 2026)))),
    Actor("India", "Indian", "NEW DELHI", "New Delhi", "नई दिल्ली", 330, "the Press Trust of India",
          (Person("Prime Minister", "Narendra Modi", (2014, 2026)),),
          (Person("External Affairs Minister", "Sushma Swaraj", (2014, 2019)), Person("External Affairs Minister", "Subrahmanyam Jaishankar", (2019, 2026)),
           Person("Defence Minister", "Rajnath Singh", (2019, 2026)), Person("Home Minister", "Amit Shah", (2019, 2026)))),
    Actor("North Korea", "North Korean", "PYONGYANG", "Pyongyang", "평양", 540, "the Korean Central News Agency",
          (Person("leader", "Kim Jong Un", (2012, 2026)),),
          (Person("senior official", "Kim Yo Jong", (2018, 2026)), Person("Foreign Minister", "Choe Son Hui", (2022, 2026)),
           Person("Foreign Minister", "Ri Yong Ho", (2016, 2020)))),
    Actor("Pakistan", "Pakistani", "ISLAMABAD", "Islamabad", "", 300, "the Associated Press of Pakistan",
          (Person("Prime Minister", "Nawaz Sharif", (2013, 2017)), Person("Prime Minister", "Imran Khan", (2018, 2022)),
           Person("Prime Minister", "Shehbaz Sharif", (2022, 2026))),
          (Person("Foreign Minister", "Shah Mahmood Qureshi", (2018, 2022)), Person("Foreign Minister", "Bilawal Bhutto Zardari", (2022, 2023)),
           Person("Foreign Minister", "Ishaq Dar", (2024, 2026)))),
    Actor("the Philippines", "Philippine", "MANILA", "Manila", "", 480, "the Philippine News Agency",
          (Person("President", "Rodrigo Duterte", (2016, 2022)), Person("President", "Ferdinand Marcos Jr.", (2022, 2026))),
          (Person("Foreign Secretary", "Teodoro Locsin Jr.", (2018, 2022)), Person("Foreign Secretary", "Enrique Manalo", (2022, 2026)))),
    Actor("Indonesia", "Indonesian", "JAKARTA", "Jakarta", "", 420, "Antara",
          (Person("President", "Joko Widodo", (2014, 2024)), Person("President", "Prabowo Subianto", (2024, 2026))),
          (Person("Foreign Minister", "Retno Marsudi", (2014, 2024)), Person("Defense Minister", "Prabowo Subianto", (2019, 2024)))),
    Actor("Vietnam", "Vietnamese", "HANOI", "Hanoi", "", 420, "the Vietnam News Agency",
          (Person("Communist Party General Secretary", _nfd("Nguyễn Phú Trọng"), (2015, 2024)),
           Person("Communist Party General Secretary", _nfd("Tô Lâm"), (2024, 2026))),
          (Person("Prime Minister", _nfd("Phạm Minh Chính"), (2021, 2026)), Person("Prime Minister", _nfd("Nguyễn Xuân Phúc"), (2016, 2021)))),
    Actor("Australia", "Australian", "CANBERRA", "Canberra", "", 600, "the Australian Associated Press",
          (Person("Prime Minister", "Malcolm Turnbull", (2015, 2018)), Person("Prime Minister", "Scott Morrison", (2018, 2022)),
           Person("Prime Minister", "Anthony Albanese", (2022, 2026))),
          (Person("Foreign Minister", "Julie Bishop", (2013, 2018)), Person("Foreign Minister", "Marise Payne", (2018, 2022)),
           Person("Foreign Minister", "Penny Wong", (2022, 2026)))),
    Actor("Malaysia", "Malaysian", "KUALA LUMPUR", "Kuala Lumpur", "", 480, "Bernama",
          (Person("Prime Minister", "Najib Razak", (2009, 2018)), Person("Prime Minister", "Mahathir Mohamad", (2018, 2020)),
           Person("Prime Minister", "Anwar Ibrahim", (2022, 2026))),
          (Person("Foreign Minister", "Saifuddin Abdullah", (2018, 2022)), Person("Foreign Minister", "Mohamad Hasan", (2023, 2026)))),
    Actor("Thailand", "Thai", "BANGKOK", "Bangkok", "", 420, "the Thai News Agency",
          (Person("Prime Minister", "Prayut Chan-o-cha", (2014, 2023)), Person("Prime Minister", "Srettha Thavisin", (2023, 2024)),
           Person("Prime Minister", "Paetongtarn Shinawatra", (2024, 2026))),
          (Person("Foreign Minister", "Don Pramudwinai", (2015, 2023)),)),
    Actor("Bangladesh", "Bangladeshi", "DHAKA", "Dhaka", "", 360, "the Bangladesh Sangbad Sangstha",
          (Person("Prime Minister", "Sheikh Hasina", (2009, 2024)), Person("Chief Adviser", "Muhammad Yunus", (2024, 2026))),
          (Person("Foreign Minister", "A. K. Abdul Momen", (2019, 2024)),)),
    Actor("Singapore", "Singaporean", "SINGAPORE", "Singapore", "", 480, "the Straits Times",
          (Person("Prime Minister", "Lee Hsien Loong", (2004, 2024)), Person("Prime Minister", "Lawrence Wong", (2024, 2026))),
          (Person("Foreign Minister", "Vivian Balakrishnan", (2015, 2026)),)),
)

# Actors of the other sections (their articles exist in the mirror, off the /asia/ index).
OTHERS: dict[str, tuple[Actor, ...]] = {
    "us": (
        Actor("the United States", "US", "WASHINGTON", "Washington", "", -300, "the Associated Press",
              (Person("President", "Barack Obama", (2009, 2017)), Person("President", "Donald Trump", (2017, 2021)),
               Person("President", "Joe Biden", (2021, 2025)), Person("President", "Donald Trump", (2025, 2026))),
              (Person("Secretary of State", "John Kerry", (2013, 2017)), Person("Secretary of State", "Mike Pompeo", (2018, 2021)),
               Person("Secretary of State", "Antony Blinken", (2021, 2025)), Person("Secretary of State", "Marco Rubio", (2025, 2026)))),
    ),
    "russia": (
        Actor("Russia", "Russian", "MOSCOW", "Moscow", "", 180, "Sputnik",
              (Person("President", "Vladimir Putin", (2012, 2026)),),
              (Person("Foreign Minister", "Sergei Lavrov", (2004, 2026)), Person("Kremlin spokesman", "Dmitry Peskov", (2012, 2026)),
               Person("Foreign Ministry spokeswoman", "Maria Zakharova", (2015, 2026)))),
    ),
    "europe": (
        Actor("Germany", "German", "BERLIN", "Berlin", "", 60, "the DPA news agency",
              (Person("Chancellor", "Angela Merkel", (2005, 2021)), Person("Chancellor", "Olaf Scholz", (2021, 2025)),
               Person("Chancellor", "Friedrich Merz", (2025, 2026))),
              (Person("Foreign Minister", "Heiko Maas", (2018, 2021)), Person("Foreign Minister", "Annalena Baerbock", (2021, 2025)))),
        Actor("France", "French", "PARIS", "Paris", "", 60, "the AFP news agency",
              (Person("President", "Emmanuel Macron", (2017, 2026)), Person("President", "Francois Hollande", (2012, 2017))),
              (Person("Foreign Minister", "Jean-Yves Le Drian", (2017, 2022)),)),
    ),
    "middleeast": (
        Actor("Iran", "Iranian", "TEHRAN", "Tehran", "", 210, "the IRNA news agency",
              (Person("President", "Hassan Rouhani", (2013, 2021)), Person("President", "Ebrahim Raisi", (2021, 2024)),
               Person("President", "Masoud Pezeshkian", (2024, 2026))),
              (Person("Foreign Minister", "Mohammad Javad Zarif", (2013, 2021)), Person("Foreign Minister", "Abbas Araghchi", (2024, 2026)))),
        Actor("Turkey", "Turkish", "ANKARA", "Ankara", "", 180, "the Anadolu news agency",
              (Person("President", "Recep Tayyip Erdogan", (2014, 2026)),),
              (Person("Foreign Minister", "Mevlut Cavusoglu", (2015, 2023)), Person("Foreign Minister", "Hakan Fidan", (2023, 2026)))),
    ),
}
OTHER_SECTIONS: tuple[str, ...] = ("world", "us", "russia", "business", "science", "military", "europe", "middleeast")

# Display names: `meta[property=article:section]` (current) and the legacy rubric link text.
SECTION_NAMES: dict[str, str] = {
    "asia": "Asia &amp; Pacific",
    "world": "World",
    "us": "US",
    "russia": "Russia",
    "business": "Business",
    "science": "Tech",
    "military": "Military &amp; Intelligence",
    "europe": "Europe",
    "middleeast": "Middle East",
    "columnists": "Columnists",
}

# Which themes each section writes about.
SECTION_THEMES: dict[str, tuple[str, ...]] = {
    "asia": ("diplomacy", "security", "economy", "disaster", "politics", "tech"),
    "world": ("diplomacy", "security", "politics"),
    "us": ("politics", "diplomacy", "economy"),
    "russia": ("diplomacy", "politics", "economy"),
    "business": ("economy",),
    "science": ("tech",),
    "military": ("security",),
    "europe": ("politics", "economy", "diplomacy"),
    "middleeast": ("security", "diplomacy"),
}

# theme -> (topic phrase used mid-sentence, title phrase, tag)
TOPICS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "diplomacy": (
        ("the planned bilateral summit", "Summit Plans", "Diplomacy"),
        ("a visa-free travel regime", "Visa-Free Travel", "Travel"),
        ("maritime border disputes", "Maritime Dispute", "Territorial Disputes"),
        ("the resumption of direct flights", "Direct Flights", "Aviation"),
        ("a joint statement on regional security", "Joint Statement", "Regional Security"),
        ("the return of ambassadors", "Envoys&#8217; Return", "Diplomacy"),
    ),
    "security": (
        ("joint naval drills", "Naval Drills", "Military Drills"),
        ("a ballistic missile launch", "Missile Launch", "Missiles"),
        ("the deployment of new air defense systems", "Air Defense", "Defense"),
        ("border patrol incidents", "Border Standoff", "Border Disputes"),
        ("the purchase of new fighter jets", "Fighter Jet Deal", "Arms Trade"),
    ),
    "economy": (
        ("export controls on semiconductors", "Chip Export Curbs", "Semiconductors"),
        ("a free trade agreement", "Trade Deal", "Trade &amp; Tariffs"),
        ("rising rice prices", "Rice Prices", "Food Security"),
        ("a currency swap line", "Currency Swap", "Finance"),
        ("a new high-speed rail link", "High-Speed Rail", "Infrastructure"),
        ("liquefied natural gas imports", "LNG Imports", "Energy"),
    ),
    "disaster": (
        ("a powerful typhoon", "Typhoon", "Natural Disasters"),
        ("monsoon flooding", "Monsoon Floods", "Floods"),
        ("a strong earthquake", "Earthquake", "Earthquakes"),
        ("a record heatwave", "Heatwave", "Climate"),
    ),
    "politics": (
        ("the upcoming general election", "General Election", "Elections"),
        ("a cabinet reshuffle", "Cabinet Reshuffle", "Politics"),
        ("a no-confidence motion", "No-Confidence Vote", "Politics"),
        ("anti-corruption reforms", "Graft Crackdown", "Corruption"),
    ),
    "tech": (
        ("a lunar exploration mission", "Moon Mission", "Space"),
        ("the rollout of 5G networks", "5G Rollout", "Telecom"),
        ("rules for artificial intelligence", "AI Rules", "Artificial Intelligence"),
        ("electric vehicle production", "EV Push", "Electric Vehicles"),
    ),
}

ORGS: tuple[str, ...] = ("ASEAN", "UN Security Council", "Shanghai Cooperation Organisation", "BRICS", "G20", "Quad", "APEC", "East Asia Summit")
FIELDS: tuple[str, ...] = ("energy", "agriculture", "digital technology", "education", "healthcare", "shipbuilding", "tourism", "fisheries")
WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS: tuple[str, ...] = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")

TITLES: tuple[str, ...] = (
    "{leader} Says {country_t} Won&#8217;t Back Down on {topic_title}",
    "{country_t} and {partner_t} Agree to Resume Talks on {topic_title}",
    "{adj} Official Warns of &quot;Consequences&quot; Over {topic_title}",
    "{topic_title}: What We Know About {country_t}&#8217;s Plans",
    "{partner_leader} Urges {country_t} to Show Restraint Over {topic_title}",
    "{city} Braces for {topic_title} Fallout as Tensions Rise",
    "{leader_title} {leader} Unveils Plan on {topic_title}",
    "{adj} {topic_title} Plan Sparks Protests in {city}",
    "{country_t} &amp; {partner_t} Sign Memorandum on {topic_title}",
    "{official} Slams {partner_adj} Stance on {topic_title}",
    "{country_t} to Spend ${num} Million on {topic_title} Response",
    "{partner_adj} Envoy Summoned in {city} Over {topic_title}",
)

LEADS: tuple[str, ...] = (
    "{leader_title} {leader} said the decision on {topic} was in line with {country}&#8217;s national interests.",
    "The move comes amid growing concern in {city} over {topic} and its impact on ties with {partner}.",
    "Officials in {city} said the talks were &quot;frank&quot; but stopped short of announcing a deal.",
    "{country} has been under pressure from {partner} to clarify its position on {topic}.",
    "Experts say {topic} is likely to top the agenda of the next {org} meeting.",
    "The announcement follows weeks of speculation in the {adj} media about {topic}.",
    "{official_title} {official} said {country} would seek a balanced approach on {topic}.",
)

SENTENCES: dict[str, tuple[str, ...]] = {
    "common": (
        "{leader_title} {leader} said on {weekday} that {country} would not back down on {topic}.",
        "The remarks came after {partner_adj} officials called for talks on {topic} earlier this week.",
        "According to {agency}, the government has set aside ${num} million for the plan.",
        "{official_title} {official} told reporters in {city} that the talks had been &quot;constructive and frank&quot;.",
        "Analysts in {city} expect {topic} to dominate the agenda of the {org} meeting in {month}.",
        "Earlier, {partner_leader} urged {country} to show restraint and to resolve differences through dialogue.",
        "The ministry&#8217;s statement did not say when the next round of consultations would take place.",
        "Some {num2} people took part in rallies in {city} over the weekend, local media reported.",
        "&#8220;We are ready to work with all our neighbors,&#8221; {leader} said in a televised address.",
        "The opposition criticized the move, saying it had been made without public consultation.",
        "{country_c} and {partner} have been at odds over {topic} since {year}.",
        "Trade between the two countries reached ${num} billion last year, up {pct} percent, according to official data.",
        "Officials said the measures would take effect from the start of {month}.",
        "The {org} has repeatedly called on both sides to keep channels of communication open.",
        "The decision is expected to be reviewed by parliament before the end of the year.",
        "{official} added that {country} remained committed to the principles of the UN Charter.",
        "The news agency did not provide further details.",
        "Markets in {city} reacted calmly to the announcement, with the main index closing {pct} percent higher.",
        "A spokesperson for the {partner_adj} embassy in {city} declined to comment.",
        "Observers say the issue is likely to come up again at the {org} summit later this year.",
        "The government has promised to publish a detailed plan within {num3} weeks.",
        "In {year}, a similar dispute led to the suspension of talks for several months.",
        "Under the plan, {country} will also expand cooperation with {partner} in {field}.",
        "Critics, however, warned that {topic} could strain ties with {partner}.",
        "Sputnik has reached out to the ministry for comment.",
        "{leader}&#8217;s office said the {leader_title_l} had discussed the matter with {partner_leader} by phone.",
        "Local newspapers described the meeting as &quot;a turning point&quot; for the region.",
        "The two sides also agreed to set up a working group on {field}.",
    ),
    "diplomacy": (
        "The foreign ministry in {city} summoned the {partner_adj} ambassador over the incident.",
        "Diplomats said a draft of the joint statement had been agreed on {weekday}.",
        "The visit is the first by a {adj} {leader_title_l} to {partner} in {num3} years.",
        "Both sides pledged to hold regular consultations at the level of deputy foreign ministers.",
    ),
    "security": (
        "State media showed {leader} inspecting the site on {weekday}.",
        "The last such exercise took place in {month} {year}, with {num2} troops taking part.",
        "The defense ministry said the drills were &quot;purely defensive in nature&quot;.",
        "{partner_adj} officials said they were monitoring the situation closely.",
    ),
    "economy": (
        "Exports rose {pct} percent in {month} from a year earlier, customs data showed.",
        "Business groups in {city} welcomed the decision but asked for more clarity on the timeline.",
        "The central bank kept its key rate unchanged at its last meeting in {month}.",
        "The project is expected to create about {num2} jobs, the ministry said.",
    ),
    "disaster": (
        "Rescue teams were deployed to the worst-hit areas, {agency} reported.",
        "The weather service warned of more heavy rain over the next {num3} days.",
        "More than {num2} residents were moved to temporary shelters, local authorities said.",
        "Schools and government offices in {city} were closed as a precaution.",
    ),
    "politics": (
        "The ruling party holds {num3} more seats than the opposition in the lower house.",
        "Opinion polls published on {weekday} showed support for the government at {pct} percent.",
        "{leader} is expected to announce the new lineup later this week.",
        "Opposition lawmakers walked out of the chamber in protest.",
    ),
    "tech": (
        "The launch is scheduled for {month}, the national space agency said.",
        "Engineers said the system had passed its final tests in {city}.",
        "The regulator said it would publish draft rules for public comment in {month}.",
        "Companies in {city} have invested more than ${num} million in the sector since {year}.",
    ),
}

CAPTIONS: tuple[str, ...] = (
    "{leader_title} {leader} speaks during a press conference in {city}, {country}",
    "People walk past a TV screen showing a news broadcast in {city}",
    "A general view of the skyline of {city}",
    "Soldiers take part in a military drill near {city}",
    "Delegates arrive for talks in {city}",
    "{leader_title} {leader} attends a ceremony in {city}",
)

CREDITS: tuple[str, ...] = (
    "© AP Photo / Ahn Young-joon", "© AP Photo / Lee Jin-man", "© AP Photo / Eugene Hoshiko",
    "© AP Photo / Andy Wong", "© AP Photo / Manish Swarup", "© REUTERS / Kim Hong-Ji",
    "© REUTERS / Issei Kato", "© REUTERS / Tingshu Wang", "© Sputnik / Alexei Druzhinin",
    "© AFP 2023 / Jung Yeon-je", "© Photo : Pixabay", "© AP Photo / Altaf Qadri",
)

AUTHORS: tuple[str, ...] = (
    "Anna Petrova", "James Whitfield", "Rajiv Menon", "Kim Soo-yeon", "Sato Haruka", "Liu Mei",
    "Priya Raman", "Oleg Sorokin", "Maria Lopez", "Daniel Kerr",
)

# Links to pages outside the site (READ MORE targets the crawler must not fetch as articles).
EXTERNAL_LINKS: tuple[tuple[str, str], ...] = (
    ("https://www.reuters.com/world/asia-pacific/", "Reuters: Asia Pacific news"),
    ("https://en.yna.co.kr/view/AEN20230105000300315", "Yonhap: Seoul Weighs New Sanctions"),
    ("https://www3.nhk.or.jp/nhkworld/en/news/", "NHK World: Latest News"),
    ("https://www.thehindu.com/news/national/", "The Hindu: National News"),
    ("https://www.scmp.com/news/asia", "SCMP: Asia"),
)

WIDGET_JUNK = "Subscribe to our newsletter &middot; Chats &middot; Заголовок открываемого материала"
DISCLAIMER = "The views and opinions expressed in the article do not necessarily reflect those of Sputnik."
