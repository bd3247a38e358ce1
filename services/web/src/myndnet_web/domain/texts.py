"""What the site says, in Swedish and English: the contract's vocabularies as people read them,
and the words of the pages. Templates look words up with `t("key")`."""

from typing import Literal

Language = Literal["sv", "en"]
LANGUAGES: tuple[Language, ...] = ("sv", "en")

VOCABULARY: dict[str, dict[str, dict[Language, str]]] = {
    "occupation_field": {
        "it": {"sv": "IT", "en": "IT"},
        "law": {"sv": "Juridik", "en": "Law"},
        "finance": {"sv": "Ekonomi", "en": "Finance"},
        "administration": {"sv": "Administration", "en": "Administration"},
        "hr": {"sv": "HR", "en": "HR"},
        "communication": {"sv": "Kommunikation", "en": "Communication"},
        "investigation": {"sv": "Utredning", "en": "Investigation"},
        "customer_service": {"sv": "Kundservice", "en": "Customer service"},
        "management": {"sv": "Chef och ledning", "en": "Management"},
        "security": {"sv": "Säkerhet", "en": "Security"},
        "education": {"sv": "Utbildning", "en": "Education"},
        "social_work": {"sv": "Socialt arbete", "en": "Social work"},
        "technical": {"sv": "Teknik", "en": "Technical"},
        "other": {"sv": "Övrigt", "en": "Other"},
    },
    "employment_type": {
        "permanent": {"sv": "Tillsvidare", "en": "Permanent"},
        "fixed_term": {"sv": "Visstid", "en": "Fixed term"},
        "temporary": {"sv": "Vikariat", "en": "Temporary"},
        "summer_job": {"sv": "Sommarjobb", "en": "Summer job"},
        "trainee": {"sv": "Trainee", "en": "Trainee"},
        "internship": {"sv": "Praktik", "en": "Internship"},
        "thesis": {"sv": "Examensarbete", "en": "Thesis"},
    },
    "target_group": {
        "students": {"sv": "Studenter", "en": "Students"},
        "graduates": {"sv": "Nyexaminerade", "en": "Graduates"},
        "experienced": {"sv": "Erfarna", "en": "Experienced"},
        "managers": {"sv": "Chefer", "en": "Managers"},
    },
    "remote": {
        "on_site": {"sv": "På plats", "en": "On site"},
        "hybrid": {"sv": "Delvis på distans", "en": "Hybrid"},
        "remote": {"sv": "På distans", "en": "Remote"},
    },
    "extent": {
        "full_time": {"sv": "Heltid", "en": "Full time"},
        "part_time": {"sv": "Deltid", "en": "Part time"},
    },
    "frequency": {
        "immediate": {
            "sv": "Direkt när ett jobb publiceras",
            "en": "As soon as a job is published",
        },
        "daily": {"sv": "En gång om dagen", "en": "Once a day"},
        "weekly": {"sv": "En gång i veckan", "en": "Once a week"},
    },
    "status": {
        "pending": {"sv": "Väntar på bekräftelse", "en": "Waiting for confirmation"},
        "confirmed": {"sv": "Aktiv", "en": "Active"},
        "paused": {"sv": "Pausad", "en": "Paused"},
        "unsubscribed": {"sv": "Avslutad", "en": "Stopped"},
    },
    "kind": {
        "agency": {"sv": "Myndighet", "en": "Agency"},
        "university": {"sv": "Universitet", "en": "University"},
        "court": {"sv": "Domstol", "en": "Court"},
        "municipality": {"sv": "Kommun", "en": "Municipality"},
    },
    "course_kind": {
        "it": {"sv": "IT", "en": "IT"},
        "leadership": {"sv": "Ledarskap", "en": "Leadership"},
        "other": {"sv": "Övrigt", "en": "Other"},
    },
    "language": {
        "sv": {"sv": "Svenska", "en": "Swedish"},
        "en": {"sv": "Engelska", "en": "English"},
    },
}

WORDS: dict[str, dict[Language, str]] = {
    "site": {"sv": "Myndighetsnätverket", "en": "Myndighetsnätverket"},
    "tagline": {
        "sv": "Arton myndigheter i Sundsvallsregionen – en arbetsgivare",
        "en": "Eighteen government agencies around Sundsvall – one employer",
    },
    "skip": {"sv": "Hoppa till innehållet", "en": "Skip to main content"},
    "nav": {"sv": "Huvudmeny", "en": "Main menu"},
    "nav_jobs": {"sv": "Lediga jobb", "en": "Vacancies"},
    "nav_alerts": {"sv": "Jobbevakning", "en": "Job alerts"},
    "nav_trainings": {"sv": "Utbildningar", "en": "Trainings"},
    # joint trainings
    "trainings_title": {"sv": "Gemensamma utbildningar", "en": "Joint trainings"},
    "trainings_intro": {
        "sv": "Nätverkets myndigheter håller utbildningar i IT och ledarskap tillsammans. Där "
        "möts kollegor från olika myndigheter. Varje myndighet har sina platser; är de tagna "
        "hamnar du på reservlistan.",
        "en": "The network's agencies run trainings in IT and leadership together, where "
        "colleagues from different agencies meet. Each agency has its own seats; when they are "
        "taken you join the waiting list.",
    },
    "trainings_none": {
        "sv": "Just nu finns inga kommande utbildningstillfällen.",
        "en": "There are no upcoming sessions at the moment.",
    },
    "all_trainings": {"sv": "Alla utbildningar", "en": "All trainings"},
    "or_online": {"sv": "(eller på distans)", "en": "(or online)"},
    "online": {"sv": "På distans", "en": "Online"},
    "seats_left_of": {"sv": "{left} av {total} platser kvar", "en": "{left} of {total} seats left"},
    "register_by": {"sv": "Sista anmälningsdag", "en": "Register by"},
    "registration_closed_short": {"sv": "Anmälan stängd", "en": "Registration closed"},
    "registration_closed": {
        "sv": "Anmälan till det här tillfället är stängd.",
        "en": "Registration for this session is closed.",
    },
    "session_cancelled": {
        "sv": "Tillfället är inställt.",
        "en": "The session is cancelled.",
    },
    "when": {"sv": "När", "en": "When"},
    "where": {"sv": "Var", "en": "Where"},
    "host": {"sv": "Arrangör", "en": "Host"},
    "course_language": {"sv": "Undervisningsspråk", "en": "Taught in"},
    "seats": {"sv": "Platser", "en": "Seats"},
    "seats_left": {"sv": "Lediga", "en": "Left"},
    "waiting": {"sv": "På reservlistan", "en": "Waiting"},
    "seats_per_agency": {"sv": "Platser per myndighet", "en": "Seats per agency"},
    "seats_rule": {
        "sv": "Fram till sista anmälningsdag har varje myndighet sina egna platser. Sedan går "
        "platser som ingen använder till reservlistorna i anmälningsordning.",
        "en": "Until the registration deadline each agency has its own seats. After it, seats "
        "nobody uses go to the waiting lists in order of registration.",
    },
    "seats_after_deadline": {
        "sv": "Sista anmälningsdag har passerat: lediga platser går till reservlistorna i "
        "anmälningsordning.",
        "en": "The registration deadline has passed: free seats go to the waiting lists in "
        "order of registration.",
    },
    "register_title": {"sv": "Anmäl dig", "en": "Register"},
    "your_name": {"sv": "Ditt namn", "en": "Your name"},
    "your_agency": {"sv": "Din myndighet", "en": "Your agency"},
    "your_agency_hint": {
        "sv": "Din myndighet finns bara med här om den har angett sin e-postdomän till nätverket.",
        "en": "Your agency is listed only if it has given the network its e-mail domain.",
    },
    "choose": {"sv": "Välj", "en": "Choose"},
    "work_email": {"sv": "E-postadress på jobbet", "en": "Work email address"},
    "work_email_hint": {
        "sv": "Adressen ska sluta som din myndighets (till exempel @csn.se). Vi mejlar en "
        "länk som du bekräftar anmälan med.",
        "en": "The address must end as your agency's do (for example @csn.se). We e-mail a "
        "link you confirm the registration with.",
    },
    "register_button": {"sv": "Anmäl mig", "en": "Register me"},
    "training_sent_text": {
        "sv": "Vi har mejlat en länk till din jobbadress. Anmälan gäller när du har bekräftat "
        "den; då får du en plats, eller en plats på reservlistan.",
        "en": "We have e-mailed a link to your work address. The registration counts once you "
        "have confirmed it; you then get a seat, or a place on the waiting list.",
    },
    "training_name_missing": {"sv": "Ange ditt namn", "en": "Enter your name"},
    "training_agency_missing": {"sv": "Välj din myndighet", "en": "Choose your agency"},
    "training_agency_without_domains": {
        "sv": "Din myndighet har inte angett sin e-postdomän än; be din samordnare om det",
        "en": "Your agency has not given its e-mail domain yet; ask your coordinator to",
    },
    "training_not_work_email": {
        "sv": "Ange din e-postadress på jobbet, på din myndighets domän",
        "en": "Enter your work email address, at your agency's domain",
    },
    "training_already_registered": {
        "sv": "Adressen är redan anmäld till det här tillfället. Använd länken i mejlet vi "
        "skickade för att avboka",
        "en": "The address is already registered for this session. Use the link in the "
        "e-mail we sent to cancel",
    },
    "training_closed": {
        "sv": "Anmälan till tillfället är stängd",
        "en": "Registration for the session is closed",
    },
    "registration_title": {"sv": "Din anmälan", "en": "Your registration"},
    "registration_for": {
        "sv": "{name}, din anmälan till {course}.",
        "en": "{name}, your registration for {course}.",
    },
    "your_status": {"sv": "Läge", "en": "Status"},
    "status_unconfirmed": {"sv": "Inte bekräftad än", "en": "Not confirmed yet"},
    "status_registered": {"sv": "Du har en plats", "en": "You have a seat"},
    "status_waitlisted": {
        "sv": "Nummer {place} på reservlistan",
        "en": "Number {place} on the waiting list",
    },
    "status_cancelled": {"sv": "Avbokad", "en": "Cancelled"},
    "confirm_button": {"sv": "Bekräfta anmälan", "en": "Confirm the registration"},
    "cancel_button": {"sv": "Avboka", "en": "Cancel my registration"},
    "cancel_hint": {
        "sv": "Platsen går till nästa på reservlistan. Det går inte att ångra.",
        "en": "The seat goes to the next person on the waiting list. This cannot be undone.",
    },
    "done_confirm_registered": {
        "sv": "Tack! Din anmälan är bekräftad och du har en plats. Vi mejlar en bekräftelse.",
        "en": "Thank you. Your registration is confirmed and you have a seat. We e-mail a "
        "confirmation.",
    },
    "done_confirm_waitlisted": {
        "sv": "Tack! Din anmälan är bekräftad. Platserna är tagna, så du står som nummer "
        "{place} på reservlistan. Vi mejlar dig om du får en plats.",
        "en": "Thank you. Your registration is confirmed. The seats are taken, so you are "
        "number {place} on the waiting list. We e-mail you if you get a seat.",
    },
    "done_cancel_cancelled": {
        "sv": "Din anmälan är avbokad. Tack för att du sa till.",
        "en": "Your registration is cancelled. Thank you for telling us.",
    },
    "about_session": {"sv": "Om utbildningstillfället", "en": "About the session"},
    "training_link_expired": {
        "sv": "Länken har gått ut. Kontakta nätverkets samordnare om du behöver hjälp.",
        "en": "The link has expired. Contact the network's coordinator if you need help.",
    },
    "training_link_closed": {
        "sv": "Det går inte längre: anmälan är stängd, tillfället har börjat eller anmälan är "
        "avbokad.",
        "en": "This is no longer possible: registration is closed, the session has started "
        "or the registration is cancelled.",
    },
    "other_language": {"sv": "In English", "en": "På svenska"},
    "start_title": {"sv": "Jobba i Myndighetsnätverket", "en": "Work in Myndighetsnätverket"},
    "start_intro": {
        "sv": "Myndigheterna i Sundsvall rekryterar tillsammans, utbildar tillsammans och ger "
        "varje ny chef en mentor från en annan myndighet.",
        "en": "The agencies in Sundsvall recruit together, train together and give every new "
        "manager a mentor from another agency.",
    },
    "open_count": {"sv": "lediga jobb just nu", "en": "open vacancies right now"},
    "search_label": {"sv": "Sök bland lediga jobb", "en": "Search the vacancies"},
    "search_hint": {
        "sv": "Till exempel yrke, ort eller ett ord i annonsen",
        "en": "For example a job title, a town or a word in the advert",
    },
    "search_button": {"sv": "Sök", "en": "Search"},
    "agencies": {"sv": "Myndigheterna i nätverket", "en": "The agencies of the network"},
    "search_title": {"sv": "Lediga jobb", "en": "Vacancies"},
    "filters": {"sv": "Avgränsa", "en": "Filter"},
    "words": {"sv": "Sökord", "en": "Keywords"},
    "any": {"sv": "Alla", "en": "Any"},
    "agency": {"sv": "Myndighet", "en": "Agency"},
    "occupation_field": {"sv": "Yrkesområde", "en": "Occupation field"},
    "municipality": {"sv": "Ort", "en": "Municipality"},
    "employment_type": {"sv": "Anställningsform", "en": "Employment type"},
    "target_group": {"sv": "Passar för", "en": "Suits"},
    "remote": {"sv": "Distansarbete", "en": "Remote work"},
    "apply_filters": {"sv": "Visa jobb", "en": "Show jobs"},
    "clear_filters": {"sv": "Rensa alla val", "en": "Clear all filters"},
    "found": {"sv": "{total} lediga jobb", "en": "{total} vacancies"},
    "showing": {"sv": "Visar {first}–{last} av {total}", "en": "Showing {first}–{last} of {total}"},
    "none_found": {
        "sv": "Inga jobb matchar din sökning. Prova färre val eller andra ord.",
        "en": "No vacancies match your search. Try fewer filters or other words.",
    },
    "paging": {"sv": "Sidor", "en": "Pages"},
    "next_page": {"sv": "Nästa sida", "en": "Next page"},
    "first_page": {"sv": "Första sidan", "en": "First page"},
    "deadline": {"sv": "Sista ansökningsdag", "en": "Apply by"},
    "published": {"sv": "Publicerad", "en": "Published"},
    "extent": {"sv": "Omfattning", "en": "Extent"},
    "languages": {"sv": "Språk", "en": "Languages"},
    "security_clearance": {
        "sv": "Tjänsten är placerad i säkerhetsklass; säkerhetsprövning görs före anställning.",
        "en": "The position requires security vetting before employment.",
    },
    "apply": {"sv": "Ansök på myndighetens webbplats", "en": "Apply on the agency's website"},
    "subscribe_similar": {
        "sv": "Bevaka liknande jobb",
        "en": "Get alerts for jobs like this",
    },
    "subscribe_search": {
        "sv": "Bevaka den här sökningen",
        "en": "Get alerts for this search",
    },
    "feed": {"sv": "Nya jobb som Atom-flöde", "en": "New jobs as an Atom feed"},
    "gone_title": {"sv": "Jobbet är inte längre ledigt", "en": "This job is no longer open"},
    "gone_text": {
        "sv": "Ansökningstiden är slut eller tjänsten är tillsatt.",
        "en": "The application period has ended or the position has been filled.",
    },
    "see_open": {"sv": "Se alla lediga jobb", "en": "See all open vacancies"},
    "not_found_title": {"sv": "Sidan finns inte", "en": "Page not found"},
    "not_found_text": {
        "sv": "Kontrollera adressen, eller börja om från startsidan.",
        "en": "Check the address, or start again from the home page.",
    },
    "unavailable_title": {
        "sv": "Tjänsten är inte tillgänglig just nu",
        "en": "Sorry, the service is unavailable",
    },
    "unavailable_text": {
        "sv": "Något av våra system svarar inte. Försök igen om en stund.",
        "en": "One of our systems is not answering. Please try again later.",
    },
    "agency_jobs": {"sv": "Lediga jobb hos {name}", "en": "Vacancies at {name}"},
    "agency_none": {
        "sv": "{name} har inga lediga jobb just nu.",
        "en": "{name} has no open vacancies right now.",
    },
    "website": {"sv": "Webbplats", "en": "Website"},
    "all_agency_jobs": {"sv": "Sök bland alla jobb hos {name}", "en": "Search all jobs at {name}"},
    "subscribe_title": {"sv": "Bevaka lediga jobb", "en": "Get job alerts"},
    "subscribe_intro": {
        "sv": "Vi mejlar dig när ett jobb som passar din sökning publiceras. Du bekräftar "
        "bevakningen via en länk i ett mejl, och du kan ändra eller avsluta den när du vill.",
        "en": "We e-mail you when a job matching your search is published. You confirm the "
        "alert through a link we e-mail you, and can change or stop it at any time.",
    },
    "your_search": {"sv": "Din sökning", "en": "Your search"},
    "all_jobs": {"sv": "Alla lediga jobb", "en": "All vacancies"},
    "email": {"sv": "E-postadress", "en": "Email address"},
    "email_hint": {
        "sv": "Vi använder adressen bara för dina jobbevakningar.",
        "en": "We only use the address for your job alerts.",
    },
    "frequency": {"sv": "Hur ofta vill du få mejl?", "en": "How often do you want e-mail?"},
    "mail_language": {"sv": "Språk i mejlen", "en": "Language of the e-mails"},
    "subscribe_button": {"sv": "Starta bevakningen", "en": "Start the alert"},
    "error_summary": {"sv": "Det finns ett problem", "en": "There is a problem"},
    "error_prefix": {"sv": "Fel:", "en": "Error:"},
    "email_missing": {"sv": "Ange din e-postadress", "en": "Enter your email address"},
    "email_invalid": {
        "sv": "Ange en e-postadress i rätt format, till exempel namn@exempel.se",
        "en": "Enter an email address in the correct format, like name@example.com",
    },
    "frequency_missing": {"sv": "Välj hur ofta du vill få mejl", "en": "Choose how often"},
    "rate_limited": {
        "sv": "Du har startat många bevakningar den senaste timmen. Försök igen om en timme.",
        "en": "You have started many alerts in the last hour. Please try again in an hour.",
    },
    "too_broad": {
        "sv": "Sökningen har för många val för en bevakning. Välj färre myndigheter, "
        "områden eller orter.",
        "en": "The search has too many choices for an alert. Choose fewer agencies, fields "
        "or places.",
    },
    "sent_title": {"sv": "Kolla din e-post", "en": "Check your email"},
    "sent_text": {
        "sv": "Om adressen kan ta emot mejl har vi skickat en länk. Bevakningen startar när "
        "du klickar på länken. Länken gäller i sju dagar.",
        "en": "If the address can receive e-mail, we have sent it a link. The alert starts "
        "when you follow the link. The link works for seven days.",
    },
    "confirmed_title": {"sv": "Din bevakning är bekräftad", "en": "Your job alert is confirmed"},
    "confirmed_text": {
        "sv": "Vi mejlar dig när nya jobb matchar din sökning.",
        "en": "We will e-mail you when new jobs match your search.",
    },
    "manage_link": {"sv": "Hantera dina bevakningar", "en": "Manage your job alerts"},
    "invalid_link_title": {"sv": "Länken fungerar inte", "en": "The link does not work"},
    "invalid_link_text": {
        "sv": "Länken är ogiltig, redan använd eller för gammal. Du kan starta en ny "
        "bevakning, så får du en ny länk.",
        "en": "The link is not valid, already used or too old. Start a new alert and you "
        "will get a new link.",
    },
    "manage_title": {"sv": "Dina jobbevakningar", "en": "Your job alerts"},
    "manage_intro": {
        "sv": "Här ändrar, pausar eller tar du bort dina bevakningar. Länken fungerar bara "
        "för din e-postadress.",
        "en": "Change, pause or remove your alerts here. The link only works for your "
        "e-mail address.",
    },
    "suppressed": {
        "sv": "Vi skickar inga mejl till din adress, eftersom e-postservern avvisade den. "
        "Starta en ny bevakning och bekräfta den för att få mejl igen.",
        "en": "We send no e-mail to your address, because the mail server refused it. Start "
        "a new alert and confirm it to get e-mail again.",
    },
    "search_n": {"sv": "Bevakning {n}", "en": "Alert {n}"},
    "status": {"sv": "Status", "en": "Status"},
    "save": {"sv": "Spara ändringar", "en": "Save changes"},
    "pause": {"sv": "Pausa", "en": "Pause"},
    "resume": {"sv": "Återuppta", "en": "Resume"},
    "remove": {"sv": "Ta bort", "en": "Remove"},
    "add_title": {"sv": "Lägg till en bevakning", "en": "Add an alert"},
    "add_button": {"sv": "Lägg till", "en": "Add"},
    "no_searches": {"sv": "Du har inga bevakningar.", "en": "You have no alerts."},
    "keywords": {"sv": "Sökord (ett eller flera)", "en": "Keywords (one or more)"},
    "keywords_hint": {
        "sv": "Mejl när minst ett av orden finns i annonsen",
        "en": "E-mail when at least one of the words is in the advert",
    },
    "municipality_hint": {
        "sv": "Skriv en ort, eller lämna tomt för alla",
        "en": "Type a municipality, or leave empty for any",
    },
    "everything_title": {"sv": "Allt på en gång", "en": "Everything at once"},
    "unsubscribe_all": {"sv": "Avsluta alla bevakningar", "en": "Stop all alerts"},
    "erase": {"sv": "Radera allt om mig", "en": "Erase everything about me"},
    "erase_title": {
        "sv": "Vill du radera allt om dig?",
        "en": "Do you want to erase everything about you?",
    },
    "erase_text": {
        "sv": "Vi raderar din e-postadress och alla dina bevakningar. Det går inte att ångra.",
        "en": "We erase your e-mail address and all your alerts. This cannot be undone.",
    },
    "erase_confirm": {"sv": "Ja, radera allt", "en": "Yes, erase everything"},
    "cancel": {"sv": "Nej, gå tillbaka", "en": "No, go back"},
    "erased_title": {"sv": "Allt är raderat", "en": "Everything is erased"},
    "erased_text": {
        "sv": "Vi har inte längre din e-postadress eller dina bevakningar.",
        "en": "We no longer have your e-mail address or your alerts.",
    },
    "done_changed": {"sv": "Bevakningen är ändrad.", "en": "The alert is changed."},
    "done_added": {"sv": "Bevakningen är tillagd.", "en": "The alert is added."},
    "done_removed": {"sv": "Bevakningen är borttagen.", "en": "The alert is removed."},
    "done_paused": {"sv": "Bevakningen är pausad.", "en": "The alert is paused."},
    "done_resumed": {"sv": "Bevakningen är återupptagen.", "en": "The alert is resumed."},
    "done_stopped": {"sv": "Alla bevakningar är avslutade.", "en": "All alerts are stopped."},
    "success": {"sv": "Klart", "en": "Done"},
    "link_refused_title": {"sv": "Länken fungerar inte", "en": "The link does not work"},
    "link_expired": {
        "sv": "Länken har gått ut. Kontakta din samordnare om du fortfarande vill svara.",
        "en": "The link has expired. Contact your coordinator if you still want to answer.",
    },
    "link_used": {
        "sv": "Du har redan svarat med den här länken. Ditt första svar gäller.",
        "en": "You have already answered with this link. Your first answer stands.",
    },
    "link_closed": {
        "sv": "Förslaget är redan avgjort eller har gått ut, så det går inte att svara längre.",
        "en": "The proposal is already settled or has expired, so it can no longer be answered.",
    },
    "link_forged": {
        "sv": "Länken är inte giltig. Använd länken i ditt mejl precis som den är.",
        "en": "The link is not valid. Use the link in your e-mail exactly as it is.",
    },
    "link_purpose": {
        "sv": "Länken hör till något annat. Använd länken i rätt mejl.",
        "en": "The link is for something else. Use the link in the right e-mail.",
    },
    "proposal_title": {"sv": "Förslag på mentorskap", "en": "Proposed mentorship"},
    "proposal_for_manager": {
        "sv": "Hej {name}! Vi föreslår att {other} blir din mentor.",
        "en": "Hello {name}. We propose {other} as your mentor.",
    },
    "proposal_for_mentor": {
        "sv": "Hej {name}! Vi föreslår att du blir mentor för {other}, ny chef.",
        "en": "Hello {name}. We propose that you mentor {other}, a new manager.",
    },
    "role_title": {"sv": "Befattning", "en": "Position"},
    "why_match": {"sv": "Därför passar ni ihop", "en": "Why you are a good match"},
    "answer_by": {"sv": "Svara senast {day}.", "en": "Please answer by {day}."},
    "your_answer": {"sv": "Ditt svar", "en": "Your answer"},
    "accept": {"sv": "Ja, jag tackar ja", "en": "Yes, I accept"},
    "decline": {"sv": "Nej, jag tackar nej", "en": "No, I decline"},
    "decline_hint": {
        "sv": "Tackar du nej får du eller den andra ett nytt förslag. Ingen behöver förklara sig.",
        "en": "If you decline, a new proposal follows. Nobody needs to explain why.",
    },
    "you_accepted_waiting": {
        "sv": "Du har tackat ja. Vi väntar på den andras svar.",
        "en": "You have accepted. We are waiting for the other person's answer.",
    },
    "proposal_status_closed": {
        "sv": "Förslaget är redan avgjort.",
        "en": "The proposal is already settled.",
    },
    "accepted_title": {"sv": "Tack för ditt ja", "en": "Thank you for accepting"},
    "both_accepted": {
        "sv": "Ni har båda tackat ja. Vi mejlar er båda med kontaktuppgifterna.",
        "en": "You have both accepted. We are e-mailing you both each other's details.",
    },
    "declined_title": {"sv": "Du har tackat nej", "en": "You have declined"},
    "declined_text": {
        "sv": "Tack för beskedet. Vi tar det vidare, och ett nytt förslag kommer.",
        "en": "Thank you for letting us know. We will take it from here; a new proposal follows.",
    },
    "checkin_title": {"sv": "Hur går mentorskapet?", "en": "How is the mentorship going?"},
    "checkin_intro": {
        "sv": "Ditt mentorskap med {other} har pågått i {month} månader. Fyra korta frågor.",
        "en": "Your mentorship with {other} has run for {month} months. Four short questions.",
    },
    "checkin_met": {"sv": "Har ni träffats?", "en": "Have you met?"},
    "yes": {"sv": "Ja", "en": "Yes"},
    "no": {"sv": "Nej", "en": "No"},
    "checkin_meetings": {
        "sv": "Hur många gånger har ni träffats hittills?",
        "en": "How many times have you met so far?",
    },
    "checkin_satisfaction": {
        "sv": "Hur nöjd är du med mentorskapet?",
        "en": "How satisfied are you with the mentorship?",
    },
    "satisfaction_1": {"sv": "1 – inte alls nöjd", "en": "1 – not at all"},
    "satisfaction_2": {"sv": "2", "en": "2"},
    "satisfaction_3": {"sv": "3", "en": "3"},
    "satisfaction_4": {"sv": "4", "en": "4"},
    "satisfaction_5": {"sv": "5 – mycket nöjd", "en": "5 – very satisfied"},
    "checkin_comment": {"sv": "Kommentar (frivillig)", "en": "Comment (optional)"},
    "checkin_comment_hint": {
        "sv": "Bara samordnaren läser den. Den delas inte med någon annan.",
        "en": "Only the coordinator reads it. It is shared with nobody else.",
    },
    "checkin_send": {"sv": "Skicka svaren", "en": "Send the answers"},
    "checkin_already": {
        "sv": "Du har redan svarat på den här uppföljningen.",
        "en": "You have already answered this check-in.",
    },
    "checkin_met_missing": {"sv": "Svara om ni har träffats", "en": "Answer whether you have met"},
    "checkin_meetings_invalid": {
        "sv": "Ange antal träffar som en siffra, till exempel 2",
        "en": "Enter the number of meetings as a number, like 2",
    },
    "checkin_meetings_without_meeting": {
        "sv": "Du har svarat att ni inte har träffats; ange 0 träffar eller svara ja",
        "en": "You answered that you have not met; enter 0 meetings or answer yes",
    },
    "checkin_satisfaction_missing": {
        "sv": "Välj hur nöjd du är, från 1 till 5",
        "en": "Choose how satisfied you are, from 1 to 5",
    },
    "checkin_thanks_title": {"sv": "Tack för dina svar", "en": "Thank you for your answers"},
    "checkin_thanks_text": {
        "sv": "Svaren hjälper nätverket att göra programmet bättre.",
        "en": "Your answers help the network improve the programme.",
    },
    "footer": {
        "sv": "Myndighetsnätverket i Sundsvall – myndigheter som samarbetar om kompetens",
        "en": "Myndighetsnätverket in Sundsvall – agencies that work together on skills",
    },
}


def word(key: str, language: Language, **values: object) -> str:
    text = WORDS[key][language]
    return text.format(**values) if values else text


def label(vocabulary: str, value: str, language: Language) -> str:
    """A contract value as people read it; an unknown one as it is."""
    return VOCABULARY.get(vocabulary, {}).get(value, {}).get(language, value)
