"""Extraction rules of the annotation guide, each on text written for this test.

Every case is a small readout and the facts it must (and must not) give.
Names are invented; parties and countries are real.
"""

from __future__ import annotations

from datetime import date

import pytest

from kg.extract import extract
from kg.ingest import parse_readout

IDCPC = "Title line\n ( 2024.03.12 )\n\n"
XINHUA = "Title line\n\nXinhua) 10:15, June 05, 2025\n\n"


def facts_of(text: str):
    facts = extract(parse_readout("t", text))
    name = lambda k: facts.entities[k].name  # noqa: E731
    engagements = [
        {
            "type": e.type,
            "date": e.date,
            "location": name(e.location) if e.location else None,
            "participants": [name(p) for p in e.participants],
            "organizations": [name(o) for o in e.organizations],
            "present": [name(p) for p in e.present],
            "topics": sorted(t.rsplit("/", 1)[1] for t in e.topics),
        }
        for e in facts.engagements
    ]
    posts = {(name(p.person), p.title, name(p.organization)) for p in facts.posts}
    presides = {(name(p.person), name(p.organization)) for p in facts.posts if p.head}
    return facts, engagements, posts, presides


def test_appositive_titles_give_posts_and_the_party_is_the_side():
    text = IDCPC + ("Beijing, March 11th--Tang Wenbo, Vice-minister of the IDCPC"
                    ", met here today with Ana Lima, President of the Workers' Party of Brazil.")
    _, engs, posts, presides = facts_of(text)
    assert engs == [{"type": "Meeting", "date": date(2024, 3, 11), "location": "Beijing",
                     "participants": ["Tang Wenbo", "Ana Lima"],
                     "organizations": ["Communist Party of China", "Workers' Party"],
                     "present": [], "topics": []}]
    assert ("Tang Wenbo", "Vice-minister", "International Department of the CPC Central Committee") in posts
    assert presides == {("Ana Lima", "Workers' Party")}


@pytest.mark.parametrize(
    ("cue", "etype"),
    [
        ("met here today with", "Meeting"),
        ("held talks here today with", "Talks"),
        ("held a video call here today with", "VideoCall"),
        ("held talks via video link today with", "VideoCall"),
        ("held a phone call today with", "PhoneCall"),
    ],
)
def test_cue_phrases_give_the_engagement_type(cue: str, etype: str):
    text = IDCPC + (f"Beijing, March 11th--Tang Wenbo, Vice-minister of the IDCPC, "
                    f"{cue} Ana Lima, President of the Workers' Party of Brazil.")
    _, engs, _, _ = facts_of(text)
    assert [e["type"] for e in engs] == [etype]


def test_separately_gives_one_meeting_per_counterpart():
    text = XINHUA + ("BEIJING, June 4 (Xinhua) -- Pan Wenli, IDCPC head, met separately on Wednesday with Ana Lima, "
                     "President of the Workers' Party of Brazil, and with Kofi Mensah, General Secretary of the "
                     "National Democratic Congress of Ghana, in the Chinese capital.")
    _, engs, _, _ = facts_of(text)
    assert [(e["participants"], e["date"]) for e in engs] == [
        (["Pan Wenli", "Ana Lima"], date(2025, 6, 4)),
        (["Pan Wenli", "Kofi Mensah"], date(2025, 6, 4)),
    ]


def test_a_visit_takes_the_country_and_its_meetings_have_no_day_of_their_own():
    text = IDCPC + ("At the invitation of the Social Democratic Party of Germany, Hu Weiming, Vice-minister of the "
                    "IDCPC, led a CPC delegation on a visit to Germany "
                    "from March 2nd to 5th. During the visit the delegation met respectively with Karl Brandt, Deputy "
                    "Chairman of the Social Democratic Party of Germany, and Eva Lange, Chairwoman of the Free "
                    "Democratic Party.")
    _, engs, _, _ = facts_of(text)
    visit, *meetings = engs
    assert (visit["type"], visit["date"], visit["location"]) == ("Visit", date(2024, 3, 2), "Germany")
    assert visit["organizations"] == ["Communist Party of China", "Social Democratic Party of Germany"]
    assert [(m["type"], m["date"], m["location"], m["participants"]) for m in meetings] == [
        ("Meeting", None, "Germany", ["Hu Weiming", "Karl Brandt"]),
        ("Meeting", None, "Germany", ["Hu Weiming", "Eva Lange"]),
    ]


def test_persons_present_are_attendees_not_participants():
    text = IDCPC + ("Beijing, March 11th--Tang Wenbo, Minister of the IDCPC"
                    ", met here today with Ana Lima, President of the Workers' Party of Brazil.\n\n"
                    "Li Wenhua, Vice-minister of the IDCPC, was present.")
    _, engs, _, _ = facts_of(text)
    assert engs[0]["present"] == ["Li Wenhua"]
    assert engs[0]["participants"] == ["Tang Wenbo", "Ana Lima"]


@pytest.mark.parametrize(
    ("phrase", "topic"),
    [
        ("the Belt and Road cooperation", "belt-and-road-initiative"),
        ("the three global initiatives", "global-civilization-initiative"),
        ("a China-Laos community with a shared future", "community-with-a-shared-future-for-mankind"),
        ("poverty reduction", "poverty-alleviation"),
        ("experience in state governance", "governance-experience"),
        ("young people", "youth"),
        ("the Ukraine crisis", "ukraine"),
        ("the 2030 Agenda", "sustainable-development"),
    ],
)
def test_topic_cue_phrases_give_topics(phrase: str, topic: str):
    text = IDCPC + ("Beijing, March 11th--Tang Wenbo, Minister of the IDCPC, "
                    f"met here today with Ana Lima, President of the Workers' Party of Brazil.\n\n"
                    f"The two sides exchanged views on {phrase}.")
    _, engs, _, _ = facts_of(text)
    assert topic in engs[0]["topics"]


def test_global_governance_is_not_the_global_governance_initiative():
    text = IDCPC + ("Beijing, March 11th--Tang Wenbo, Minister of the IDCPC"
                    ", met here today with Ana Lima, President of the Workers' Party of Brazil.\n\n"
                    "They discussed the reform of global governance.")
    _, engs, _, _ = facts_of(text)
    assert engs[0]["topics"] == []


def test_a_message_is_correspondence_without_a_place():
    text = ("Title line\n\nMarch 3, 2024\n\nHanoi (VNA) – The CPV Central Committee "
            "(CPV) on March 2 sent a congratulatory message to the Lao People's Revolutionary Party on the "
            "party's anniversary.")
    _, engs, _, _ = facts_of(text)
    assert [(e["type"], e["date"], e["location"]) for e in engs] == [("Correspondence", date(2024, 3, 2), None)]
    assert engs[0]["organizations"] == ["Communist Party of Vietnam", "Lao People's Revolutionary Party"]


def test_an_acronym_defined_in_the_text_wins_over_the_vocabulary():
    text = ("Title line\n\n14 May 2025\n\nHAVANA, Cuba, May 13 (ACN) The Communist Party of Cuba (CPC) received a "
            "delegation of the Communist Party of Vietnam headed by Dao Van Hung, member of the CPV Central "
            "Committee. The CPC thanked the guests.")
    facts, _, _, _ = facts_of(text)
    assert facts.entities["org/communist-party-of-cuba"].aliases >= {"CPC"}
    assert "CPC" not in facts.entities.get("org/communist-party-of-china", type("E", (), {"aliases": set()})()).aliases


@pytest.mark.parametrize(
    ("sentence", "post"),
    [
        ("General Secretary Xi Jinping", ("Xi Jinping", "General Secretary", "Communist Party of China")),
        ("PES President Lena Holm", ("Lena Holm", "President", "Party of European Socialists")),
        ("Cuban President Ramon Vidal", ("Ramon Vidal", "President", "Cuba")),
        ("Ana Lima, a member of the Political Bureau of the CPC Central Committee,",
         ("Ana Lima", "Member", "Political Bureau of the CPC Central Committee")),
    ],
)
def test_post_patterns(sentence: str, post: tuple[str, str, str]):
    text = IDCPC + ("Beijing, March 11th--Tang Wenbo, Minister of the IDCPC"
                    ", met here today with Karl Brandt, Chairman of the Social Democratic Party of Germany.\n\n"
                    f"They praised the ideas of {sentence} on cooperation.")
    _, _, posts, _ = facts_of(text)
    assert post in posts


@pytest.mark.parametrize(
    ("title", "presides"),
    [("President", True), ("Chairwoman", True), ("General Secretary", True), ("Vice President", False),
     ("Secretary-General", False), ("Deputy Chairman", False)],
)
def test_presides_only_for_head_titles(title: str, presides: bool):
    text = IDCPC + ("Beijing, March 11th--Tang Wenbo, Vice-minister of the IDCPC, "
                    f"met here today with Ana Lima, {title} of the Workers' Party of Brazil.")
    _, _, _, pres = facts_of(text)
    assert (("Ana Lima", "Workers' Party") in pres) is presides


def test_former_offices_are_not_posts():
    text = IDCPC + ("Beijing, March 11th--Tang Wenbo, Minister of the IDCPC"
                    ", met here today with Ana Lima, former President of Brazil.")
    _, _, posts, _ = facts_of(text)
    assert not any(p[0] == "Ana Lima" for p in posts)


def test_state_office_only_person_acts_for_the_country():
    text = ("Title line\n\n14 May 2025\n\nThe Secretary-General of the African National Congress, Comrade Themba "
            "Nkosi, today received the Ambassador of the People's Republic of China to South Africa, Zhou Lin, "
            "in Johannesburg.")
    _, engs, _, _ = facts_of(text)
    assert engs[0]["organizations"] == ["African National Congress", "China"]
    assert engs[0]["location"] == "Johannesburg"


def test_a_forum_has_its_host_and_speakers_and_a_message_to_it_is_correspondence():
    text = ("Title line\n\n14 May 2025\n\nThe Global Youth Dialogue was held in Brussels on 13 May, hosted by the "
            "Party of European Socialists. Lena Holm, President of the Party of European Socialists, opened the "
            "meeting. Karl Brandt, Chairman of the Social Democratic Party of Germany, sent a video message to the "
            "dialogue. Kofi Mensah, General Secretary of the National Democratic Congress of Ghana, said young "
            "people must be heard.")
    facts, engs, _, _ = facts_of(text)
    forum = next(e for e in engs if e["type"] == "Forum")
    assert forum["date"] == date(2025, 5, 13) and forum["location"] == "Brussels"
    assert forum["organizations"][0] == "Party of European Socialists"
    assert {"Lena Holm", "Kofi Mensah"} <= set(forum["participants"])
    letter = next(e for e in engs if e["type"] == "Correspondence")
    assert letter["participants"] == ["Karl Brandt"]
    pairs = {tuple(sorted((facts.entities[a].name, facts.entities[b].name))) for a, b in facts.dialogues()}
    assert ("National Democratic Congress", "Party of European Socialists") in pairs or \
        any("Ghana" in a or "Ghana" in b or "National Democratic Congress" in a + b for a, b in pairs)


def test_a_round_up_gives_one_message_per_sender():
    text = ("Leaders congratulate Chen\n\nOctober 24, 2025\n\nBEIJING, Oct. 24 (Xinhua) -- Leaders of political "
            "parties of many countries have sent messages to Chen Weiguo on his re-election as general "
            "secretary of the CPC Central Committee.\n\n"
            "Ana Lima, president of the Workers' Party of Brazil, said the election showed trust.\n\n"
            "Kofi Mensah, general secretary of the National Democratic Congress of Ghana, wished the CPC success.")
    _, engs, _, _ = facts_of(text)
    assert [(e["type"], e["participants"]) for e in engs] == [
        ("Correspondence", ["Chen Weiguo", "Ana Lima"]),
        ("Correspondence", ["Chen Weiguo", "Kofi Mensah"]),
    ]


def test_a_photo_caption_does_not_duplicate_the_meeting_the_body_reports():
    text = ("Title line\n\nMarch 3, 2024\n\nVo Van Hai (R) meets with Ana Lima in Hanoi on March 2 (Photo: VNA)\n\n"
            "Hanoi (VNA) – Vo Van Hai, who heads the CPV Central Committee's Commission for External Relations, "
            "met with Ana Lima, President of the Workers' Party of Brazil, in Hanoi on March 2.")
    _, engs, _, _ = facts_of(text)
    assert [(e["type"], e["participants"], e["date"]) for e in engs] == [
        ("Meeting", ["Vo Van Hai", "Ana Lima"], date(2024, 3, 2))]


@pytest.mark.parametrize(
    "background",
    ["during his visit to China", "during the party leader's recent visit to China",
     "after a visit to China last month"],
)
def test_a_visit_mentioned_as_background_is_not_an_engagement(background: str):
    text = IDCPC + ("Beijing, March 11th--Tang Wenbo, Minister of the IDCPC"
                    ", met here today with Ana Lima, President of the Workers' Party of Brazil.\n\n"
                    f"Lima recalled the agreements reached {background}.")
    _, engs, _, _ = facts_of(text)
    assert [e["type"] for e in engs] == ["Meeting"]


@pytest.mark.parametrize(
    ("org_phrase", "country"),
    [("the Workers' Party of Brazil", "Brazil"), ("the South African Communist Party", "South Africa"),
     ("the Socialist International", None)],
)
def test_a_side_gets_the_country_its_name_makes_evident(org_phrase: str, country: str | None):
    text = IDCPC + ("Beijing, March 11th--Tang Wenbo, Minister of the IDCPC, "
                    f"met here today with Ana Lima, President of {org_phrase}.")
    facts, engs, _, _ = facts_of(text)
    side = next(k for k in facts.engagements[0].organizations if "communist-party-of-china" not in k)
    got = facts.entities[side].country
    assert (facts.entities[got].name if got else None) == country


def test_an_alliance_is_represented_by_the_members_the_text_names():
    text = ("Title line\n\n24 August 2025\n\nHavana, Aug 23 (ACN) Rosa Pires, First Secretary of the Communist Party "
            "of Cuba, held talks in Johannesburg with the Tripartite Alliance.\n\nThe alliance unites the African "
            "National Congress, the Congress of South African Trade Unions and the South African Communist "
            "Party.")
    _, engs, _, _ = facts_of(text)
    assert engs[0]["organizations"] == ["Communist Party of Cuba", "African National Congress",
                                        "Congress of South African Trade Unions", "South African Communist Party"]


def test_on_the_same_day_takes_the_day_of_the_engagement_reported_before():
    text = ("Title line\n\nMarch 3, 2024\n\nHanoi (VNA) – Vo Van Hai, Head of the Commission for External Relations "
            "of the CPV Central Committee, on March 1 met with Ana Lima, President of the Workers' Party of Brazil.\n\n"
            "On the same day, Vo Van Hai sent a message of congratulations to Kofi Mensah, General Secretary of the "
            "National Democratic Congress of Ghana.")
    _, engs, _, _ = facts_of(text)
    assert [(e["type"], e["date"]) for e in engs] == [("Meeting", date(2024, 3, 1)), ("Correspondence", date(2024, 3, 1))]


@pytest.mark.parametrize(
    "body",
    [
        "On behalf of General Secretary Chen Weiguo, Tang Wenbo, Minister of the IDCPC"
        ", met here today with Ana Lima, President of the Workers' Party of Brazil.",
        "Tang Wenbo, Minister of the IDCPC, met here today with Ana "
        "Lima, President of the Workers' Party of Brazil, who conveyed greetings on behalf of Party President Rui Costa.",
    ],
)
def test_a_person_named_on_behalf_of_is_not_a_principal(body: str):
    _, engs, _, _ = facts_of(IDCPC + "Beijing, March 11th--" + body)
    assert [e["participants"] for e in engs] == [["Tang Wenbo", "Ana Lima"]]


def test_a_coordinated_subject_holds_talks_together():
    _, engs, _, _ = facts_of(IDCPC + "Beijing, March 11th--Tang Wenbo, Minister of the IDCPC"
                             ", and Ana Lima, President of the Workers' Party of Brazil, held "
                             "talks here today.")
    assert [(e["type"], e["participants"]) for e in engs] == [("Talks", ["Tang Wenbo", "Ana Lima"])]


NEWSPAPER = ("Ruling party strengthens ties with friends abroad\n12 March 2024\n\n"
             "Tendai Moyo in HANOI, Vietnam\n\n")


def test_a_newspaper_delegation_story_gives_visit_meeting_members_and_their_offices():
    text = NEWSPAPER + (
        "A ten-member delegation of Zimbabwe's Zanu PF, led by its national chairperson Cde Rudo Chiweshe, "
        "on Tuesday met leaders of the Communist Party of Vietnam (CPV) in the capital to deepen ties.\n\n"
        "Cde Chiweshe-Banda is accompanied by Cdes Farai Ndlovu (National Political Commissar), Tatenda Sibanda "
        "(Secretary for Youth Affairs) and Kuda Mhlanga (Principal of the Herbert Chitepo College).\n\n"
        "Addressing the meeting, Cde Chiweshe-Banda said the delegation's visit to Vietnam was part of the "
        "party's effort to learn from its friends.\n\n"
        "After Operation Bright Morning, she recalled, President Peter Gumbo visited Vietnam and met its leaders.")
    _, engs, posts, _ = facts_of(text)
    members = ["Farai Ndlovu", "Tatenda Sibanda", "Kuda Mhlanga"]
    assert [(e["type"], e["date"], e["location"], e["participants"], e["organizations"], e["present"])
            for e in engs] == [
        ("Meeting", date(2024, 3, 12), "Hanoi", ["Rudo Chiweshe"], ["ZANU-PF", "Communist Party of Vietnam"], members),
        ("Visit", None, "Vietnam", ["Rudo Chiweshe"], ["ZANU-PF"], members),
    ]  # the president's visit told by the speaker is background
    assert {("Rudo Chiweshe", "National Chairperson", "ZANU-PF"),
            ("Farai Ndlovu", "National Political Commissar", "ZANU-PF"),
            ("Tatenda Sibanda", "Secretary for Youth Affairs", "ZANU-PF"),
            ("Kuda Mhlanga", "Principal", "Herbert Chitepo College")} <= posts


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # a state office after a party office takes the country of the person's party
        ("Tang Wenbo met here today with Pedro Ruiz, First Secretary of the Communist Party of Cuba "
         "and State President.", ("Pedro Ruiz", "President", "Cuba")),
        # a portfolio is part of the title; the country is the one visited (the dateline's)
        ("Tang Wenbo, Vice-minister of the IDCPC, met in "
         "Tokyo today with Sato Kenji, Minister of Agriculture, Forestry and Fisheries; they discussed ties.",
         ("Sato Kenji", "Minister of Agriculture, Forestry and Fisheries", "Japan")),
        # of two leaders named by state offices, the reporting side's own comes first
        ("Tang Wenbo, Vice-minister of the IDCPC, met here "
         "today with Ana Lima, President of the Workers' Party of Brazil. Under the leadership of President "
         "Wang Dahai and President Paulo Castro, China and Brazil have deepened ties.",
         ("Paulo Castro", "President", "Brazil")),
    ],
)
def test_a_state_office_without_a_country_takes_the_one_the_text_makes_evident(body, expected):
    _, _, posts, _ = facts_of(IDCPC + ("Tokyo" if "Tokyo" in body else "Beijing") + ", March 11th--" + body)
    assert expected in posts


def test_the_reporting_sides_leader_named_first_keeps_its_own_country():
    body = ("Tang Wenbo, Vice-minister of the IDCPC, met here "
            "today with Ana Lima, President of the Workers' Party of Brazil. Under the leadership of President "
            "Wang Dahai and President Paulo Castro, China and Brazil have deepened ties.")
    _, _, posts, _ = facts_of(IDCPC + "Beijing, March 11th--" + body)
    assert ("Wang Dahai", "President", "China") in posts
    assert ("Wang Dahai", "President", "Brazil") not in posts


def test_working_sessions_on_a_trip_give_one_meeting_per_party_inside_the_visit():
    text = ("Parties seek stronger cooperation\nMay 20, 2024\n\n"
            "Le Van The, head of a Communist Party of Vietnam (CPV) delegation, held working sessions on May 17 "
            "with the Communist Party of the Russian Federation (KPRF), then with the United Russia "
            "(UR) Party during its working trip to Russia.\n\n"
            "At the session with Ivan Orlov, Vice Chairman of the KPRF, The said the CPV wants closer ties.\n\n"
            "Receiving the Vietnamese delegation, Pavel Sokolov, a member of the UR's General Council, "
            "said ties are strong.")
    _, engs, _, _ = facts_of(text)
    assert [(e["type"], e["date"], e["location"], e["participants"], e["organizations"]) for e in engs] == [
        ("Meeting", date(2024, 5, 17), "Russia", ["Le Van The", "Ivan Orlov"],
         ["Communist Party of Vietnam", "Communist Party of the Russian Federation"]),
        ("Meeting", date(2024, 5, 17), "Russia", ["Le Van The", "Pavel Sokolov"],
         ["Communist Party of Vietnam", "United Russia"]),
        ("Visit", None, "Russia", ["Le Van The"], ["Communist Party of Vietnam"]),
    ]


def test_participle_opening_members_list_and_a_second_counterpart_give_their_own_facts():
    text = NEWSPAPER + (
        "An African National Congress (ANC) delegation, led by Thabo Nkosi, on Tuesday met with officials of "
        "the Communist Party of Vietnam (CPV).\n\n"
        "Nkosi is accompanied by politburo members Lindiwe Dube and Sipho Zulu.\n\n"
        "Addressing a session with officials of Vietnam's Ministry of Labour, Nkosi said the two "
        "countries share a history of struggle.")
    facts, engs, posts, _ = facts_of(text)
    assert [(e["type"], e["participants"], e["organizations"], e["present"]) for e in engs] == [
        ("Meeting", ["Thabo Nkosi"], ["African National Congress", "Communist Party of Vietnam"],
         ["Lindiwe Dube", "Sipho Zulu"]),
        ("Meeting", ["Thabo Nkosi"], ["African National Congress", "Ministry of Labour"],
         ["Lindiwe Dube", "Sipho Zulu"]),
    ]
    assert {(p, t) for p, t, _ in posts} >= {("Lindiwe Dube", "Member"), ("Sipho Zulu", "Member")}
    body = next(o for p, t, o in posts if p == "Lindiwe Dube")
    assert body.endswith("Politburo")
    assert "politburo" in next(e.aliases for e in facts.entities.values() if e.name == body)


def test_hosts_met_on_a_visit_belong_to_the_country_visited():
    text = IDCPC + ("Brasilia, March 11th--Tang Wenbo, Vice-minister of the IDCPC"
                    ", paid a visit to Brazil from March 8 to 11. While in Brazil, the delegation "
                    "met respectively with Ana Lima, President of the Renewal Party, and Paulo Castro, President "
                    "of the Senate.")
    facts, _, _, _ = facts_of(text)
    countries = {e.name: facts.entities[e.country].name for e in facts.entities.values()
                 if e.kind in ("party", "govbody") and e.country}
    assert countries["Renewal Party"] == "Brazil"
    assert countries.get("Communist Party of China") == "China"


def test_a_board_meeting_release_dates_the_forum_from_its_title_and_reads_party_short_names():
    text = ("Socialist International Board Meeting – Madrid, 14 March 2024\n\n"
            "Thirty parties took part in the Socialist International board meeting in Madrid, held at the invitation "
            "of the Spanish Socialist Workers' Party (PSOE). PSOE President Ana Lima welcomed the participants.\n\n"
            "In his statement, PS Belgium President Marc Dubois presented the campaign for fair taxes.\n\n"
            "FRENAP President Rosa Vega thanked the board for its solidarity.\n\n"
            "Tom Berg, the SPD's chairman, sent a video message to the board.")
    facts, engs, posts, _ = facts_of(text)
    forum = next(e for e in engs if e["type"] == "Forum")
    assert forum["date"] == date(2024, 3, 14)
    assert {"Marc Dubois", "Rosa Vega"} <= set(forum["participants"])
    assert ("Rosa Vega", "President", "FRENAP") in posts
    belgian = next(e for e in facts.entities.values() if "PS Belgium" in e.aliases | {e.name})
    assert belgian.kind == "party" and facts.entities[belgian.country].name == "Belgium"
    message = next(e for e in engs if e["type"] == "Correspondence")
    assert message["date"] == date(2024, 3, 14)  # a video message is played at the forum


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("On the platform sat the secretaries general of the African National Congress, Ben Dube; "
         "Frelimo, Rui Costa; and MPLA, Ana Lima.",
         {("Ben Dube", "Secretary General", "African National Congress"),
          ("Rui Costa", "Secretary General", "FRELIMO"), ("Ana Lima", "Secretary General", "MPLA")}),
        ("The message was read to socialist prime ministers Ana Lima of Sweden and Rui Costa of Portugal.",
         {("Ana Lima", "Prime Minister", "Sweden"), ("Rui Costa", "Prime Minister", "Portugal")}),
        ("ANC and South Africa President Ben Dube, CCM chairman and Tanzanian President Rui Costa, arrived.",
         {("Ben Dube", "President", "African National Congress"), ("Ben Dube", "President", "South Africa"),
          ("Rui Costa", "Chairman", "Chama Cha Mapinduzi"), ("Rui Costa", "President", "Tanzania")}),
    ],
)
def test_offices_given_to_lists_and_coordinated_titles(sentence: str, expected: set):
    text = NEWSPAPER + "Leaders of liberation movements met in Hanoi for talks with the Communist Party of Vietnam. " + sentence
    _, _, posts, _ = facts_of(text)
    assert expected <= posts
    assert not {p for p in posts if p[0] == "Ben Dube" and p[2] in ("Chama Cha Mapinduzi", "Tanzania")}


def test_a_summit_story_gives_the_leaders_meeting_and_the_secretaries_general_meeting():
    text = ("Liberation movements' leaders gather in Lusaka\n\n2024-05-10  Staff Writer\n\n"
            "LUSAKA – Four parties that fought for independence hold a summit in Lusaka this week.\n\n"
            "Their secretaries general, from Swapo (Namibia), the ANC (South Africa), Frelimo (Mozambique) and "
            "MPLA (Angola), prepared on Thursday for today's meeting of the party leaders.\n\n"
            "ANC and South Africa President Ben Dube, Frelimo and Mozambican President Rui Costa, and MPLA and "
            "Angolan President Ana Lima were all expected in Lusaka late yesterday to join their Swapo "
            "counterpart.\n\n"
            "Opening the meeting of secretaries general in Lusaka yesterday, Swapo's Maria Nandi said the four "
            "parties share one history.\n\n"
            "The high table also seated the secretaries general of MPLA, Jose Neto; Frelimo, Joao "
            "Samuel; and the ANC, Thabo Mbeki-Zulu.")
    _, engs, _, _ = facts_of(text)
    forums = [(e["date"], e["location"], e["participants"]) for e in engs if e["type"] == "Forum"]
    assert forums == [
        (date(2024, 5, 10), "Lusaka", ["Ben Dube", "Rui Costa", "Ana Lima"]),
        (date(2024, 5, 9), "Lusaka", ["Maria Nandi", "Jose Neto", "Joao Samuel", "Thabo Mbeki-Zulu"]),
    ]


def test_remarks_after_a_one_line_visit_sentence_stay_with_the_meeting_and_names_are_not_topics():
    text = XINHUA + (
        "HAVANA, June 4 (Xinhua) -- Tang Wenbo, a member of the CPC Politburo, "
        "spoke at a meeting with Ana Lima, President of the Workers' Party of Brazil.\n\n"
        "Tang paid an official visit to Brazil from Saturday to Monday.\n\n"
        "China stands ready to implement the Global Development Initiative with Brazil, he said.\n\n"
        "Lima was accompanied by Rosa Vega, Secretary for Youth Affairs, and the party's women's wing leaders.")
    _, engs, _, _ = facts_of(text)
    meeting = next(e for e in engs if e["type"] == "Meeting")
    visit = next(e for e in engs if e["type"] == "Visit")
    assert meeting["topics"] == ["global-development-initiative"]
    assert visit["topics"] == []


def test_a_relative_clause_gives_a_surname_its_party_post_and_an_acronym_defined_inside_a_name_is_not_looked_up():
    text = XINHUA + (
        "BEIJING, June 4 (Xinhua) -- Tang Wenbo, a deputy head of the National People's Congress (NPC) Standing "
        "Committee, held talks in Beijing with a visiting delegation of the Communist Party of Vietnam (CPV) led by "
        "Le Van Hai.\n\nTang, who is also a member of the Secretariat of the Communist Party of China (CPC) "
        "Central Committee, stressed that relations are sound.")
    _, engs, posts, _ = facts_of(text)
    assert ("Tang Wenbo", "Member", "Secretariat of the CPC Central Committee") in posts
    assert engs[0]["organizations"] == ["Communist Party of China", "Communist Party of Vietnam"]
    assert not any("Coalition" in org for _, _, org in posts)


@pytest.mark.parametrize(
    ("text", "person", "side"),
    [
        # a generic body named in lower case belongs to the one party named before it in the sentence
        (IDCPC + "Vientiane, March 11th--Tang Wenbo, head of the IDCPC"
         ", paid a visit to Laos. In Vientiane, Tang met with Bounmy Keo, a veteran "
         "leader of the Lao People's Revolutionary Party, and then held talks with Khamsing Vong, head of the "
         "commission for foreign relations.", "Khamsing Vong", "Lao People's Revolutionary Party"),
        # a party committee belongs to the party of the country its delegation is called after
        ("Parties seek stronger ties\nMay 20, 2024\n\nA delegation of the Party Committee of the Provincial "
         "Agencies, led by its Secretary Le Van Hai, had talks on May 17 with officials of the Communist "
         "Party of the Russian Federation (KPRF) during a working trip to Russia. Receiving the Vietnamese "
         "delegation, Ivan Orlov, Vice Chairman of the KPRF, said the KPRF values its ties with the Communist "
         "Party of Vietnam (CPV).", "Le Van Hai", "Communist Party of Vietnam"),
    ],
)
def test_a_body_the_text_does_not_tie_to_a_party_gets_the_party_the_context_gives(text, person, side):
    _, engs, _, _ = facts_of(text)
    sides = {o for e in engs if person in e["participants"] for o in e["organizations"]}
    assert side in sides
    assert not any("ommi" in o or "Committee" in o for o in sides)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Tang Wenbo met here today with Ana Lima, Deputy Leader of the New Zealand Labour Party and the Shadow "
         "Minister for Health.", ("Ana Lima", "Shadow Minister for Health", "New Zealand Labour Party")),
        ("Tang Wenbo held a video call with Ana Lima, Deputy Prime Minister and Chairman of the Football "
         "Association of Kenya.", ("Ana Lima", "Deputy Prime Minister", "Kenya")),
        ("The PA regional coordinators Ana Lima (The Americas), Rui Costa (Central Africa) and Li Wei (Asia) "
         "presented their regional reports.",
         ("Li Wei", "Regional Coordinator", "Progressive Alliance")),
    ],
)
def test_an_office_takes_the_organization_its_neighbours_give(sentence: str, expected: tuple):
    _, _, posts, _ = facts_of(IDCPC + "Beijing, March 11th--" + sentence)
    assert expected in posts


def test_a_party_extending_its_congratulations_is_correspondence_between_the_parties():
    text = ("Title line\n\nMarch 3, 2024\n\nHanoi (VNA) – The CPV Central Committee "
            "has extended its congratulations to the Japanese Communist Party, which opened its congress.")
    _, engs, _, _ = facts_of(text)
    assert [(e["type"], e["participants"], e["organizations"]) for e in engs] == [
        ("Correspondence", [], ["Communist Party of Vietnam", "Japanese Communist Party"])]


def test_the_visitor_of_a_relative_clause_can_be_named_by_surname():
    text = IDCPC + ("Beijing, March 11th--Tang Wenbo, Minister of the IDCPC"
                    ", met here today with Ana Lima, President of the Workers' Party of Brazil.\n\n"
                    "Tang welcomed Lima, who is heading a delegation on a visit to China.")
    _, engs, _, _ = facts_of(text)
    assert [(e["type"], e["participants"], e["organizations"]) for e in engs if e["type"] == "Visit"] == [
        ("Visit", ["Ana Lima"], ["Workers' Party"])]


@pytest.mark.parametrize("said", [
    "The visiting delegation also toured a high-tech park.",
    "Welcoming the Brazilian guests to Vietnam, Binh said their visit would deepen ties.",
])
def test_a_delegation_received_at_home_is_on_a_visit_to_the_host_country(said: str):
    text = ("Title line\n\nMarch 3, 2024\n\nHanoi (VNA) – Tran Van Binh, General Secretary of the Communist Party "
            "of Vietnam, on March 2 received a delegation of the Workers' Party of Brazil headed by its President "
            "Ana Lima.\n\n" + said)
    _, engs, _, _ = facts_of(text)
    assert [(e["type"], e["date"], e["location"], e["participants"], e["organizations"]) for e in engs] == [
        ("Meeting", date(2024, 3, 2), "Hanoi", ["Tran Van Binh", "Ana Lima"],
         ["Communist Party of Vietnam", "Workers' Party"]),
        ("Visit", None, "Vietnam", ["Ana Lima"], ["Workers' Party"]),
    ]


def test_a_delegation_received_with_no_word_of_a_visit_gives_no_visit():
    text = ("Title line\n\nMarch 3, 2024\n\nHanoi (VNA) – Tran Van Binh, General Secretary of the Communist Party "
            "of Vietnam, on March 2 received Ana Lima, President of the Workers' Party of Brazil.")
    _, engs, _, _ = facts_of(text)
    assert [e["type"] for e in engs] == ["Meeting"]


def test_a_spanish_first_surname_alone_is_the_same_person():
    text = IDCPC + ("Beijing, March 11th--Tang Wenbo, Minister of the IDCPC"
                    ", met here today with Rosa Pérez-Soto Ruiz, First Secretary of the Communist Party of "
                    "Cuba.\n\nFirst Secretary Pérez-Soto thanked China for its support.")
    facts, _, posts, _ = facts_of(text)
    assert [e.name for e in facts.entities.values() if e.kind == "person"] == ["Tang Wenbo", "Rosa Pérez-Soto Ruiz"]


HEAD_OF_IDCPC = "Tang Wenbo, head of the IDCPC,"
LIMA = "Ana Lima, President of the Workers' Party of Brazil,"


@pytest.mark.parametrize(
    ("body", "etype"),
    [
        (f"{HEAD_OF_IDCPC} spoke by phone on Wednesday with {LIMA} on party ties.", "PhoneCall"),
        (f"In a phone conversation with {LIMA} on Wednesday, {HEAD_OF_IDCPC} said the parties are friends.",
         "PhoneCall"),
        (f"{HEAD_OF_IDCPC} wrote to {LIMA} on Wednesday to congratulate her on her re-election.",
         "Correspondence"),
        (f"{HEAD_OF_IDCPC} on Wednesday sent a letter of condolence to {LIMA} over the death of former party "
         "leader Joao Silva.", "Correspondence"),
    ],
)
def test_call_and_letter_phrasings_give_one_engagement_between_the_two(body: str, etype: str):
    _, engs, posts, _ = facts_of(XINHUA + "BEIJING, June 4 (Xinhua) -- " + body)
    assert [(e["type"], e["participants"], e["organizations"]) for e in engs] == [
        (etype, ["Tang Wenbo", "Ana Lima"], ["Communist Party of China", "Workers' Party"])]
    assert not any(p[0] == "Joao Silva" for p in posts)  # a former office of the dead is no post


@pytest.mark.parametrize(
    ("text", "expected_posts", "sides"),
    [
        ("Title\n\n14 May 2025\n\nJohannesburg - The African National Congress (ANC) Secretary General Thabo "
         "Nkosi today met a delegation from the Communist Party of China (CPC) led by Tang Wenbo.",
         {("Thabo Nkosi", "Secretary General", "African National Congress")},
         ["African National Congress", "Communist Party of China"]),
        ("Title\n\n14 May 2025\n\nHAVANA, Cuba, May 13 (ACN) Cuban President and First Secretary of the "
         "Communist Party of Cuba Pedro Ruiz received on Monday Ana Lima, President of the Workers' Party of "
         "Brazil.",
         {("Pedro Ruiz", "President", "Cuba"), ("Pedro Ruiz", "First Secretary", "Communist Party of Cuba")},
         ["Communist Party of Cuba", "Workers' Party"]),
        ("Title\n ( 2012.05.14 )\n\nBeijing, May 13th--Tang Wenbo, Minister of the IDCPC"
         ", met here today with a delegation of the United Russia Party headed by Ivan "
         "Orlov, Deputy Secretary of the General Council of the party.",
         {("Ivan Orlov", "Deputy Secretary", "General Council of United Russia")},
         ["Communist Party of China", "United Russia"]),
        ("Title\n\nMarch 3, 2024\n\nHanoi (VNA) – Politburo member and permanent member of the Secretariat of "
         "the CPV Central Committee Le Minh Khoa received Ana Lima, President of the Workers' Party of Brazil.",
         {("Ana Lima", "President", "Workers' Party")},
         ["Communist Party of Vietnam", "Workers' Party"]),
    ],
)
def test_openings_of_other_publishers_give_the_speakers_posts_and_sides(text, expected_posts, sides):
    _, engs, posts, _ = facts_of(text)
    assert expected_posts <= posts
    assert engs[0]["organizations"] == sides


def test_a_summit_that_opened_is_reported_with_who_presided_and_spoke():
    text = IDCPC + ("Beijing, May 13th--The 5th CPC and World Political Parties Summit opened here today. Tang "
                    "Wenbo, Minister of the IDCPC, presided over "
                    "the opening ceremony. Ana Lima, President of the Workers' Party of Brazil, and Kofi Mensah, "
                    "General Secretary of the National Democratic Congress of Ghana, delivered speeches.")
    _, engs, _, _ = facts_of(text)
    assert [(e["type"], e["participants"]) for e in engs] == [("Forum", ["Tang Wenbo", "Ana Lima", "Kofi Mensah"])]


def test_the_party_of_a_vietnamese_release_is_the_communist_party_of_vietnam():
    text = ("Title\n\nMarch 3, 2024\n\nHanoi (VNA) – Le Minh Khoa, Politburo member and head of the Party Central "
            "Committee's Commission for External Relations, received Ana Lima, President of the Workers' Party of "
            "Brazil, in Hanoi on March 2.")
    _, engs, posts, _ = facts_of(text)
    assert engs[0]["organizations"] == ["Communist Party of Vietnam", "Workers' Party"]
    assert ("Le Minh Khoa", "Member", "Political Bureau of the CPV Central Committee") in posts
    assert ("Le Minh Khoa", "Head", "Commission for External Relations of the CPV Central Committee") in posts


def test_a_council_that_met_is_a_forum_with_those_who_opened_it():
    text = ("International meets in Madrid\n\n15 March 2024\n\nThe Council of the Socialist International met in "
            "Madrid on 13-14 March, hosted by the Spanish Socialist Workers' Party (PSOE). The meeting was opened "
            "by SI President Ana Lima and by PSOE Secretary General Pedro Ruiz.")
    _, engs, _, _ = facts_of(text)
    assert [(e["type"], e["date"], e["location"], sorted(e["participants"])) for e in engs] == [
        ("Forum", date(2024, 3, 13), "Madrid", ["Ana Lima", "Pedro Ruiz"])]


@pytest.mark.parametrize(
    ("text", "post"),
    [
        (IDCPC + "Beijing, March 11th--Tang Wenbo, head of the IDCPC"
         ", met here today with a delegation of the Nepali Congress led by Ram Thapa, Vice President of "
         "the party.", ("Ram Thapa", "Vice President", "Nepali Congress")),
        ("Title\n\n14 May 2025\n\nHanoi (VNA) – General Secretary of the CPV Central "
         "Committee To Van Lam has sent a letter of congratulations to Ana Lima on her election as President of "
         "the Workers' Party of Brazil.", ("To Van Lam", "General Secretary", "CPV Central Committee")),
    ],
)
def test_the_party_and_vietnamese_names_that_look_like_words(text, post):
    _, _, posts, _ = facts_of(text)
    assert post in posts


def test_parties_named_together_as_the_subject_are_all_sides():
    text = ("Title\n\n14 May 2025\n\nNAIROBI, May 13 (Xinhua) -- Kenya's ruling United Democratic Alliance (UDA) "
            "and the Communist Party of China (CPC) on Tuesday held a seminar on governance experience in Nairobi.")
    _, engs, _, _ = facts_of(text)
    assert [(e["type"], e["organizations"], e["topics"]) for e in engs] == [
        ("Forum", ["United Democratic Alliance", "Communist Party of China"], ["governance-experience"])]


def test_a_day_first_dateline_and_a_cuban_party_body_named_with_its_own_acronym():
    text = ("Title\n\n14 May 2025\n\nHAVANA, 13 May - Roberto Vega, member of the Political Bureau and head of "
            "the International Relations Department of the Party Central Committee, received Ana Lima, President "
            "of the Workers' Party of Brazil.")
    _, engs, posts, _ = facts_of(text)
    assert (engs[0]["location"], engs[0]["organizations"]) == ("Havana", ["Communist Party of Cuba", "Workers' Party"])
    assert ("Roberto Vega", "Head", "International Relations Department of the PCC Central Committee") in posts
    assert not any("CPC" in org for _, _, org in posts)  # the CPC is China's party, not Cuba's


def test_a_party_whose_name_holds_an_event_word_is_met_not_a_forum():
    text = IDCPC + ("Beijing, May 13th--Tang Wenbo, Minister of the IDCPC"
                    ", met here today with a delegation of senior cadres from the African National "
                    "Congress (ANC) of South Africa.")
    _, engs, _, _ = facts_of(text)
    assert [(e["type"], e["organizations"]) for e in engs] == [
        ("Meeting", ["Communist Party of China", "African National Congress"])]


def test_a_surname_that_is_an_office_holder_gives_the_post_and_the_side():
    text = IDCPC + ("Beijing, March 9th--Tang Wenbo, Minister of the IDCPC"
                    ", met here today with Karl Huber. Huber is Chairman of the Social Democratic Party of "
                    "Austria.")
    _, engs, posts, _ = facts_of(text)
    assert ("Karl Huber", "Chairman", "Social Democratic Party of Austria") in posts
    assert engs[0]["organizations"] == ["Communist Party of China", "Social Democratic Party of Austria"]


def test_separately_with_a_delegation_named_only_by_its_party_gives_a_meeting_of_its_own():
    text = IDCPC + ("Beijing, March 9th--Tang Wenbo, Vice Minister of the IDCPC"
                    ", met separately here today with a delegation of the Social Democratic Party of "
                    "Austria led by Karl Huber, Chairman of the party, and a delegation of young leaders of the "
                    "Democratic Party of Serbia.")
    _, engs, _, _ = facts_of(text)
    assert [(e["participants"], e["organizations"]) for e in engs] == [
        (["Tang Wenbo", "Karl Huber"], ["Communist Party of China", "Social Democratic Party of Austria"]),
        (["Tang Wenbo"], ["Communist Party of China", "Democratic Party of Serbia"]),
    ]


def test_a_countrys_party_named_by_its_demonym_is_its_ruling_party():
    text = ("Title\n\nXinhua) 10:15, June 05, 2025\n\nHANOI, June 4 (Xinhua) -- Vietnamese Party chief To Van Lam "
            "on Wednesday met with Tang Wenbo, head of the IDCPC.")
    _, engs, _, _ = facts_of(text)
    assert engs[0]["organizations"] == ["Communist Party of Vietnam", "Communist Party of China"]


@pytest.mark.parametrize("sentence", [
    # inverted order
    "Also present were Li Ming, Vice Minister of the International Department, and Paulo Costa, Ambassador of "
    "Brazil to China.",
    "In attendance were Li Ming and Paulo Costa.",
    # opened by a participle
    "Attending the meeting were Li Ming, Vice Minister of the International Department, and Paulo Costa.",
    "Present at the meeting were Li Ming and Paulo Costa.",
    "Accompanying Lima were Li Ming and Paulo Costa.",
])
def test_present_lists_in_inverted_order_or_opened_by_a_participle(sentence: str):
    text = IDCPC + ("Beijing, May 13th--Tang Wenbo, Minister of the IDCPC"
                    ", met here today with Ana Lima, President of the Workers' Party of Brazil.\n\n" + sentence)
    facts, engs, _, _ = facts_of(text)
    assert engs[0]["present"] == ["Li Ming", "Paulo Costa"]
    assert not any(e.name.startswith("Accompanying") for e in facts.entities.values())


@pytest.mark.parametrize(("sentence", "topics"), [
    ("Lima said her party opposes interference in Hong Kong affairs.", ["hong-kong"]),
    ("Tang said China will implement the three global initiatives.",
     ["global-civilization-initiative", "global-development-initiative", "global-security-initiative"]),
    ("Lima supports China on the Taiwan question and on issues related to Xizang.", ["one-china-principle", "tibet"]),
])
def test_topic_phrasings(sentence: str, topics: list[str]):
    text = IDCPC + ("Beijing, May 13th--Tang Wenbo, Minister of the IDCPC"
                    ", met here today with Ana Lima, President of the Workers' Party of Brazil.\n\n" + sentence)
    _, engs, _, _ = facts_of(text)
    assert engs[0]["topics"] == topics


@pytest.mark.parametrize("body", [
    "Ana Lima, President of the Workers' Party of Brazil, received a congratulatory letter from Wang Dahai, "
    "general secretary of the CPC Central Committee.",
    "Wang Dahai, general secretary of the CPC Central Committee, and Ana Lima, President of the Workers' Party of "
    "Brazil, exchanged congratulatory messages on Wednesday.",
])
def test_letters_received_or_exchanged_are_correspondence(body: str):
    _, engs, _, _ = facts_of(XINHUA + "BEIJING, June 4 (Xinhua) -- " + body)
    assert [(e["type"], sorted(e["participants"])) for e in engs] == [("Correspondence", ["Ana Lima", "Wang Dahai"])]


@pytest.mark.parametrize(("sentence", "location", "day"), [
    ("The delegation arrived in Hanoi on Monday at the invitation of the CPV.", "Vietnam", date(2024, 3, 11)),
    ("The delegation has been visiting Vietnam since March 8 at the invitation of the CPV.", "Vietnam",
     date(2024, 3, 8)),
    ("Ana Lima paid a goodwill visit to Vietnam from March 9 to 12.", "Vietnam", date(2024, 3, 9)),
])
def test_visit_phrasings(sentence: str, location: str, day: date):
    text = IDCPC + ("Beijing, March 11th--A delegation of the Workers' Party of Brazil led by its President Ana Lima "
                    "held talks with the Communist Party of Vietnam (CPV).\n\n" + sentence)
    _, engs, _, _ = facts_of(text)
    visits = [(e["location"], e["date"], e["participants"]) for e in engs if e["type"] == "Visit"]
    assert visits == [(location, day, ["Ana Lima"])]


def test_a_quoted_theme_names_nobody_and_a_named_seminar_that_opened_is_a_forum():
    text = ("Title\n\nNovember 15, 2025\n\nThe International Seminar \"Sovereignty and Shared Prosperity\", convened "
            "by the Communist Party of Cuba (PCC), opened on Friday in Havana with delegates from 31 parties.")
    facts, engs, _, _ = facts_of(text)
    assert [(e["type"], e["organizations"]) for e in engs] == [("Forum", ["Communist Party of Cuba"])]
    assert not [e for e in facts.entities.values() if e.kind == "person"]


@pytest.mark.parametrize(("body", "etype"), [
    ("Ambassador Le Van Hai called on Ana Lima, President of the Workers' Party of Brazil, on March 2.", "Meeting"),
    ("Le Van Hai, General Secretary of the Communist Party of Vietnam, on March 2 cabled a message of condolences "
     "to Ana Lima, President of the Workers' Party of Brazil.", "Correspondence"),
])
def test_calls_on_and_cabled_messages(body: str, etype: str):
    text = "Title line\n\nMarch 3, 2024\n\nHanoi (VNA) – " + body
    _, engs, _, _ = facts_of(text)
    assert [(e["type"], e["participants"]) for e in engs] == [(etype, ["Le Van Hai", "Ana Lima"])]


def test_a_date_long_before_the_readout_is_history_not_the_engagements_day():
    text = ("Title line\n\nMarch 3, 2024\n\nVientiane (KPL) – The Lao People's Revolutionary Party has sent a "
            "message of congratulations to the Communist Party of Vietnam on the founding anniversary of the CPV "
            "(February 3, 1930).")
    _, engs, _, _ = facts_of(text)
    assert [(e["type"], e["date"]) for e in engs] == [("Correspondence", None)]


def test_the_delegation_which_is_visiting_is_led_by_its_leader_not_the_host():
    text = ("Title line\n\nJuly 9, 2025\n\nHanoi (VNA) – Tran Van Binh, head of the Commission for External "
            "Relations of the CPV Central Committee, held talks in Hanoi on July 8 with a delegation of the Japanese "
            "Communist Party (JCP) led by Sato Aiko, Vice Chair of the JCP.\n\n"
            "Binh welcomed the delegation, which is paying a working visit to Vietnam from July 6 to 11.")
    _, engs, _, _ = facts_of(text)
    visit = next(e for e in engs if e["type"] == "Visit")
    assert (visit["participants"], visit["date"], visit["location"]) == (["Sato Aiko"], date(2025, 7, 6), "Vietnam")


def test_a_delegation_led_by_its_officer_and_received_as_it():
    text = ("Title line\n\n13 August 2014\n\nThe CCM delegation, led by its Secretary-General, Comrade Juma Bakari, "
            "is in South Africa at the invitation of the ANC. It was received today by the Deputy Secretary-General "
            "of the ANC, Comrade Thandi Dlamini.")
    _, engs, posts, _ = facts_of(text)
    assert ("Juma Bakari", "Secretary-General", "Chama Cha Mapinduzi") in posts
    meeting = next(e for e in engs if e["type"] == "Meeting")
    assert sorted(meeting["participants"]) == ["Juma Bakari", "Thandi Dlamini"]


def test_a_lead_that_names_only_counterparts_met_again_later_summarizes_their_meetings():
    text = (XINHUA + "BEIJING, June 4 (Xinhua) -- A senior Communist Party of China (CPC) official on "
            "Wednesday received a delegation of the Workers' Party of Brazil led by its President Ana Lima, one day "
            "after he sat down with a delegation of the National Democratic Congress of Ghana led by its General "
            "Secretary Kofi Mensah.\n\n"
            "Tang Wenbo, head of the IDCPC, held talks with Ana "
            "Lima on Wednesday.\n\n"
            "On Tuesday, Tang Wenbo met with Kofi Mensah.")
    _, engs, _, _ = facts_of(text)
    assert [(e["type"], e["participants"]) for e in engs] == [
        ("Talks", ["Tang Wenbo", "Ana Lima"]), ("Meeting", ["Tang Wenbo", "Kofi Mensah"])]


def test_the_same_day_is_the_day_of_the_last_meeting_not_of_the_visit():
    text = ("Title line\n\nJuly 9, 2025\n\nHanoi (VNA) – Tran Van Binh, head of the Commission for External "
            "Relations of the CPV Central Committee, held talks in Hanoi on July 8 with a delegation of the Japanese "
            "Communist Party (JCP) led by Sato Aiko, Vice Chair of the JCP.\n\n"
            "Binh welcomed the delegation, which is paying a working visit to Vietnam from July 6 to 11.\n\n"
            "The same day, the JCP delegation met with Le Van Hai, a member of the Political Bureau of the CPV "
            "Central Committee.")
    _, engs, _, _ = facts_of(text)
    assert [(e["type"], e["date"]) for e in engs if "Le Van Hai" in e["participants"]] == [
        ("Meeting", date(2025, 7, 8))]


# One sample per alternative of each pattern the extractor checks for keywords
# first (kg.extract._Keyed): the keyword check must never hide a match.
_KEYED_SAMPLES = {
    "_PRESENT": ["Ana Lima was also present.", "Present were Ana Lima and Rui Costa.",
                 "In attendance was Rui Costa.", "Attending the banquet were Ana Lima.",
                 "Present at the reception was Ben Dube.", "Ben Dube joined the talks.",
                 "They attended the video call.", "Ben Dube was on hand.", "accompanied by Ana Lima",
                 "Rui Costa also attended.", "Ana Lima, taking part", "Ben Dube took part.",
                 "Its members were Ana Lima and Rui Costa.", "members of the delegation",
                 "The delegation also included Ben Dube.", "Ana Lima WAS PRESENT.",
                 "Other members were Ben Dube.", "its members included", "The delegation includes Ben Dube.",
                 "The delegation comprised three.", "The delegation comprises three.", "Ana Lima was ON HAND.",
                 "Ana Lima was also pre\u017fent.", "Rui Costa was \u0130N ATTENDANCE."],
    "_INVITATION": ["at the invitation of the SPD", "a dinner hosted by the ANC", "AT THE INV\u0131TATION OF X"],
    "_BODY_MEMBERS": ["politburo members Ana Lima and Ben Dube", "Central Committee  members",
                      "National Executive Committee members"],
    "_GUEST_VISIT": ["the visiting delegation", "their visit would deepen ties", "pleased to be visiting",
                     "the delegation's tour", "welcomed the Vietnamese delegation to Pretoria",
                     "welcoming the guests to Hanoi", "his visit is", "her visit was", "the visit will",
                     "the delegation visit", "the delegation stay", "the delegation’s stay", "pleased to visit",
                     "THE DELEGATION TOUR"],
    "_CAPTION": ["Ana Lima (R) meets Ben Dube", "(Photo by Rui Costa)", "(Xinhua/Rui Costa)", "Photos: ANC",
                 "(Ben Dube/for Xinhua)"],
    "_TOLD": ["After the war, she recalled, the president visited", "Then, he said, they met",
              "In 2019 , it noted , ties grew", ", THEY RECOUNTED,"],
    "_MEMBERS": ["The alliance brings together the ANC and the SACP", "bringing together", "comprises the ANC",
                 "comprising three parties", "consists of", "is made up of", "is composed of",
                 "groups together", "unites the parties"],
}


@pytest.mark.parametrize(("name", "text"), [(n, t) for n, ts in _KEYED_SAMPLES.items() for t in ts])
def test_keyword_checked_patterns_find_every_match_the_pattern_finds(name: str, text: str):
    from kg import extract as module
    from kg.dates import folded

    keyed = getattr(module, name)
    assert keyed.pattern.search(text), f"the sample does not exercise {name}"
    assert keyed.search(text).span() == keyed.pattern.search(text).span()
    assert keyed.search(text, folded(text)).span() == keyed.pattern.search(text).span()


@pytest.mark.parametrize("name", sorted(_KEYED_SAMPLES))
def test_keyword_checked_patterns_skip_text_without_their_keywords(name: str):
    from kg import extract as module

    keyed = getattr(module, name)
    assert keyed.search("Ana Lima met Ben Dube in Hanoi on Monday") is None
