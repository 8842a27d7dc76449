# ruff: noqa: E501  (one comment per line, however long)
"""Hand-labelled German survey comments for the comment coder (not a test module).

One comment per line: ``text | labels | planted personal details``. Labels are
``theme+`` (positive), ``theme-`` (negative) or ``theme0`` (neither), several
separated by spaces, none for a comment without a theme of the codebook;
the themes are the default codebook's ids. Every label is a reader's judgement
of the sentence (colloquial writing, typos, negation, several themes, planted
personal details that masking must remove), written without running the coder.
"""

from __future__ import annotations

COMMENTS = """
Die Abschlagszahlung ist viel zu hoch. | rechnung- |
Abschläge wurden ohne Ankündigung erhöht | rechnung- kommunikation- |
Meine Jahresabrechnung war falsch | rechnung- |
Die Rechnug ist total unverständlich | rechnung- kommunikation- |
Stromrechnung kam pünktlich und war korrekt, danke | rechnung+ |
Nachzahlung von 300 Euro, echt ärgerlich!! | rechnung- |
Gutschrift kam schnell aufs Konto. | rechnung+ |
Lastschrift doppelt abgebucht | rechnung- |
Die Abrechnung ist übersichtlich. | rechnung+ |
Mahnung bekommen obwohl ich bezahlt habe | rechnung- |
abschlag wurde falsch berechnet | rechnung- |
Warum ist mein Abschlag schon wieder gestiegen??? | rechnung0 |
Rechnung verständlich, alles gut | rechnung+ kommunikation+ |
Die Jahresrechnung kam viel zu spät | rechnung- |
Rückerstattung meines Guthabens dauert ewig | rechnung- |
Die Abbuchung klappt problemlos | rechnung+ |
Zwei Rechnungen für denselben Monat bekommen, super ärgerlich | rechnung- |
Meine Kundennummer 4711 steht falsch auf der Rechnung, bitte korrigieren: K-004711 | rechnung- | K-004711
Abschlagsplan ist fair berechnet | rechnung+ |
Überweisung wurde nicht verbucht | rechnung- |
Rechnung war ok | rechnung0 |
Viel zu teuer geworden | preis- |
Die Preiserhöhung ist eine Frechheit | preis- |
Preise sind fair | preis+ |
Tarif ist günstiger als bei der Konkurrenz | preis+ kuendigung0 |
Grundgebühr zu hoch | preis- |
Preis-Leistung stimmt | preis0 |
Der Strompreis ist einfach zu hoch | preis- |
Die Preise sind ok für die Region | preis0 |
Preiserhöhung um 20 %, das geht gar nicht | preis- |
Günstiger Tarif, bin zufrieden | preis+ |
Zu teuer im Vergleich | preis- |
Gaspreis ist fair kalkuliert | preis+ |
Die Kosten sind überteuert | preis- |
Der neue Tarif ist preiswert | preis+ |
Erhöhung kam ohne Vorwarnung | preis- |
Preise sind leider gestiegen | preis- |
Teuer, aber guter Service | preis- |
Tarife unverständlich und teuer | preis- kommunikation- |
Bitte Rabatt für treue Kunden | preis0 |
Hotline nie erreichbar | erreichbarkeit- |
Ewig in der Warteschleife gehangen | erreichbarkeit- |
Telefonisch schwer erreichbar. | erreichbarkeit- |
Kurze Wartezeit, sehr angenehm | erreichbarkeit+ |
Man kommt am Telefon einfach nicht durch | erreichbarkeit- |
Lange Schlange an der Kasse | erreichbarkeit- |
Wartezeit am Telefon war okay | erreichbarkeit0 |
Die Hotlien ist dauernd besetzt | erreichbarkeit- |
45 Minuten gewartet bis jemand rangeht | erreichbarkeit- |
Hotline super erreichbar | erreichbarkeit+ |
Ich habe fünfmal angerufen | erreichbarkeit- |
Die Öffnungszeiten im Kundenzentrum sind zu kurz | erreichbarkeit- |
Schnell jemanden erreicht | erreichbarkeit+ |
Warteschleife mit nerviger Musik | erreichbarkeit- |
Kein Ansprechpartner zu erreichen | erreichbarkeit- |
Erreichbarkeit ist top | erreichbarkeit+ |
Telefon immer besetzt, Tel. 0341 1234567 ruft nie zurück | erreichbarkeit- | 0341 1234567
Die Wartezeit war kurz | erreichbarkeit+ |
Hotline ist ständig überlastet | erreichbarkeit- |
Am Telefon schnell durchgekommen | erreichbarkeit+ |
Die Mitarbeiterin war nicht freundlich | freundlichkeit- |
Sehr freundliche Beratung | freundlichkeit+ loesung+ |
Unfreundlicher Mitarbeiter am Schalter | freundlichkeit- |
Total nett und hilfsbereit! | freundlichkeit+ |
Der Ton war ziemlich patzig | freundlichkeit- |
Immer höflich und zuvorkommend | freundlichkeit+ |
Keine Freundlichkeit, nur Ausreden | freundlichkeit- |
Frau Schneider war sehr freundlich | freundlichkeit+ | Schneider
Das Personal ist unfreundlich | freundlichkeit- |
Herzlicher Empfang im Kundenzentrum | freundlichkeit+ |
Sehr nette Mitarbeiter | freundlichkeit+ |
Unhöflich am Telefon | freundlichkeit- |
Die Dame war arrogant | freundlichkeit- |
Freundlich und bemüht | freundlichkeit+ |
Herr Dr. Weber war total unfreundlich | freundlichkeit- | Weber
Ein netter Kollege hat sich gekümmert | freundlichkeit+ |
Respektloser Umgangston | freundlichkeit- |
Sympathisches Team | freundlichkeit+ |
Immer freundlich | freundlichkeit+ |
Die Bedienung war nett | freundlichkeit+ |
Problem wurde schnell gelöst | loesung+ |
Mein Problem ist bis heute nicht gelöst | loesung- |
Der Techniker war sehr kompetent | loesung+ |
Techniker musste dreimal kommen | loesung- |
Keiner fühlt sich zuständig | loesung- |
Der Berater hatte keine Ahnung | loesung- |
Man hat mir super weitergeholfen | loesung+ |
Reparatur ohne Probleme erledigt | loesung+ |
Anliegen wurde sofort erledigt | loesung+ |
Inkompetente Beratung | loesung- |
Mir wurde nicht geholfen | loesung- |
Der Fehler wurde endlich behoben | loesung+ |
Kompetente Antworten auf alle Fragen | loesung+ kommunikation+ |
Lösung war schnell da | loesung+ |
Niemand konnte helfen | loesung- |
Das Problem besteht weiterhin | loesung- |
Fachlich sehr gut beraten | loesung+ |
Monteur war kompetent und schnell | loesung+ |
Keine Lösung, nur Vertröstungen | loesung- |
Der Fehler ist immer noch da | loesung- |
Tolle Hilfe bei der Umstellung | loesung+ |
App stürzt ständig ab | digital- |
Das Kundenportal funktioniert gut | digital+ |
Login geht seit Wochen nicht | digital- |
Webseite ist unübersichtlich | digital- |
Zählerstand online melden ging problemlos | digital+ |
Die Apps sind super | digital+ |
Passwort vergessen und kein Formular gefunden | digital- |
Onlineportal ist veraltet | digital- |
Die App ist super praktisch | digital+ |
Online-Formular funktioniert nicht | digital- |
Kundenportal ist übersichtlich | digital+ |
Die Webseite lädt ewig | digital- |
App zeigt falschen Verbrauch | digital- |
Chat hat gut geholfen | digital+ loesung+ |
Homepage ist veraltet | digital- |
Einloggen klappt nicht | digital- |
Der Download der Rechnung als PDF geht nicht | digital- rechnung- |
Online alles einfach erledigt | digital+ loesung+ |
Die Internetseite ist top | digital+ |
Im Portal findet man nichts | digital- |
App ist gut | digital+ |
Chatbot ist nutzlos | digital- |
Bester Espresso der Stadt | lieferung+ |
Kaffee war kalt | lieferung- |
Sehr sauber gearbeitet | lieferung+ |
Termin wurde nicht eingehalten | lieferung- |
Zwei Tage Stromausfall ohne Info | lieferung- kommunikation- |
Lieferung kam verspätet | lieferung- |
Der Kuchen ist lecker | lieferung+ |
Qualität hat nachgelassen | lieferung- |
Kaffee schmeckt super | lieferung+ |
Der Cappuccino war lauwarm und der Kaffee bitter | lieferung- |
Frische Brötchen, lecker Kuchen | lieferung+ |
Termin pünktlich eingehalten | lieferung+ |
Die Heizung läuft wieder einwandfrei | lieferung+ |
Störung wurde nicht behoben | lieferung- loesung- |
Ständig Stromausfälle in unserer Straße | lieferung- |
Die Qualität ist hervorragend | lieferung+ |
Bestellung falsch geliefert | lieferung- |
Ware kam beschädigt an | lieferung- |
Sauber und ordentlich gearbeitet | lieferung+ |
Die Bohnen sind frisch geröstet | lieferung+ |
Versorgung immer zuverlässig | lieferung+ |
Der Termin wurde dreimal verschoben | lieferung- |
Ich werde kündigen | kuendigung- |
Kündigung wurde nicht bestätigt | kuendigung- |
Der Wechsel ging reibungslos | kuendigung+ |
Überlege den Anbieter zu wechseln | kuendigung- |
Nach dem Umzug wollte ich kündigen, das war kompliziert | kuendigung- |
Über ein Vergleichsportal gewechselt | kuendigung0 |
Kündigungsfrist ist viel zu lang | kuendigung- |
Wechsel zu Ihnen war einfach | kuendigung+ |
Umzug wurde problemlos mitgenommen | kuendigung+ |
Die Kündigungsbestätigung kam nie | kuendigung- |
Wechsle bald den Anbieter | kuendigung- |
Bin nur wegen des Umzugs gegangen | kuendigung0 |
Kündigung war unkompliziert | kuendigung+ |
Die Konkurrenz ist billiger | kuendigung0 preis+ |
Ich habe gekündigt, weil niemand reagiert | kuendigung- |
Anbieterwechsel in zwei Wochen erledigt | kuendigung+ |
Vertragsende wurde falsch berechnet | kuendigung- |
Umzugsmeldung ging schnell | kuendigung+ |
Begrüßungsschreiben kam spät | onboarding- |
Der Vertragsbeginn hat problemlos geklappt | onboarding+ |
Anmeldung war einfach | onboarding+ |
Zugangsdaten kamen erst nach drei Wochen | onboarding- |
Die Freischaltung hat ewig gedauert | onboarding- |
Willkommenspaket war nett | onboarding+ |
Vertragsunterlagen unvollständig | onboarding0 |
Die Auftragsbestätigung fehlt bis heute | onboarding0 |
Anmeldung online war kompliziert | onboarding- digital0 |
Der Start bei Ihnen war reibungslos | onboarding+ |
Als Neukunde gut begleitet | onboarding+ |
Freischaltung ging schnell | onboarding+ |
Die Ummeldung hat nicht geklappt | onboarding- |
Einrichtung des Zugangs war umständlich | onboarding- |
Begrüßung war herzlich | onboarding+ |
Vertragsbestätigung kam sofort | onboarding0 |
Alles verständlich erklärt | kommunikation+ |
Keine Rückmeldung auf meine Mail | kommunikation- |
Man hat mich nicht zurückgerufen | kommunikation- |
Gute Information vorab | kommunikation+ |
Die Briefe sind unklar formuliert | kommunikation- |
Antwort kam nie | kommunikation- |
Informationen waren klar und verständlich | kommunikation+ |
Keiner hat mich informiert | kommunikation- |
Versprochener Rückruf kam nie | kommunikation- |
Transparente Kommunikation | kommunikation+ |
Ich bitte um Rückruf unter 0171 9876543 | kommunikation0 | 0171 9876543
Schreiben Sie mir an petra.klein@web.de | kommunikation0 | petra.klein@web.de
Die Mitteilung über die Änderung kam zu spät | kommunikation- |
Gut erklärt, danke | kommunikation+ |
Auskunft war falsch | kommunikation- |
Ankündigung der Preisänderung war verständlich | kommunikation+ preis0 |
Keine Antwort auf drei E-Mails | kommunikation- |
Bescheid kam rechtzeitig | kommunikation+ |
Nachricht im Portal unverständlich | kommunikation- digital0 |
Sie haben nie geantwortet | kommunikation- |
Freundlich, aber ich musste dreimal anrufen. | freundlichkeit+ erreichbarkeit- |
Lecker, aber lange Schlange am Morgen | lieferung+ erreichbarkeit- |
Unfreundlich, Bestellung vergessen | freundlichkeit- lieferung- |
Preis ok, aber die App ist schlecht | preis0 digital- |
Hotline freundlich, Problem trotzdem nicht gelöst und die Rechnung falsch | erreichbarkeit0 freundlichkeit+ loesung- rechnung- |
Abschlag zu hoch und niemand erklärt warum | rechnung- kommunikation- |
Schnelle Lösung, nette Leute | loesung+ freundlichkeit+ |
Guter Kaffee, aber zu teuer | lieferung+ preis- |
Die App ist gut, aber die Rechnung ist unverständlich | digital+ rechnung- kommunikation- |
Nette Leute, aber viel zu lange Wartezeit | freundlichkeit+ erreichbarkeit- |
Erst ewig in der Warteschleife, dann unfreundlich abgewimmelt | erreichbarkeit- freundlichkeit- |
Techniker kompetent, Termin aber nicht eingehalten | loesung+ lieferung- |
Preise gestiegen, Service schlechter, ich wechsle | preis- kuendigung- |
Rechnung falsch und keiner ruft zurück | rechnung- kommunikation- |
Portal super, Hotline schlecht | digital+ erreichbarkeit- |
Freundliche Mitarbeiter und gute Beratung | freundlichkeit+ loesung+ |
Der Abschlag ist zu hoch, die App zeigt was anderes | rechnung- digital0 |
Kündigung ging schnell, aber die Schlussrechnung ist falsch | kuendigung+ rechnung- |
Günstiger Preis, nette Bedienung | preis+ freundlichkeit+ |
Alles super, Kuchen lecker, Personal nett | lieferung+ freundlichkeit+ |
Wartezeit kurz und Problem gelöst | erreichbarkeit+ loesung+ |
Lange Wartezeit, dafür kompetente Hilfe | erreichbarkeit- loesung+ |
Unklar, wann der erste Abschlag abgebucht wird. | kommunikation- rechnung- |
App stürzt ab, Hotline nicht erreichbar | digital- erreichbarkeit- |
Zu teuer und die Qualität ist schlecht | preis- lieferung- |
Info zum Stromausfall kam schnell | kommunikation+ lieferung0 |
Die Preiserhöhung wurde gut erklärt | preis0 kommunikation+ |
Hr. Lange hat mir schnell geholfen | loesung+ | Lange
Viele Grüße, Jürgen Hoffmann - Rechnung stimmt nicht | rechnung- | Jürgen; Hoffmann
Wohne jetzt in der Lindenstraße 12, Rechnung geht an die alte Adresse | rechnung- | Lindenstraße 12
IBAN DE89 3704 0044 0532 0130 00 wurde doppelt belastet | rechnung- | 3704 0044; 0532
Vertragsnummer 123456 - Kündigung nicht bestätigt | kuendigung- | 123456
Bitte melden bei max.mueller@gmx.de wegen der Abschlagszahlung | rechnung0 | max.mueller@gmx.de
Mein Name ist Sabine Wolf, die Hotline war unfreundlich | erreichbarkeit0 freundlichkeit- | Sabine; Wolf
Rufen Sie mich an: +49 170 5554433, App geht nicht | digital- | 170 5554433
Frau Krause vom Kundenzentrum war sehr hilfsbereit | freundlichkeit+ | Krause
LG Monika Bauer | | Monika; Bauer
Zählernummer 99887766 falsch erfasst | | 99887766
Herr Fischer hat den Termin nicht eingehalten | lieferung- | Fischer
Familie Schröder bedankt sich für die schnelle Reparatur | loesung+ | Schröder
Ticketnummer 556677 ist seit Wochen offen | | 556677
Meine E-Mail thomas.becker(at)t-online.de bitte für Rückfragen | kommunikation0 | thomas.becker; t-online.de
Seit der Umstellung ist die Abrechnung ein Chaos | rechnung- |
Abschlag angepasst, jetzt passt es | rechnung+ |
Rechnungen kommen immer pünktlich | rechnung+ |
Die Nachzahlung war nicht nachvollziehbar | rechnung- |
Geld zurück hat gedauert, aber kam dann | rechnung0 |
Preis für Ökostrom ist zu hoch | preis- |
Faire Preise, gerne weiter so | preis+ |
Bin mit dem Tarif zufrieden | preis+ |
Warum so teuer? | preis- |
Rabatt für Stammkunden wäre nett | preis0 |
Niemand geht ans Telefon | erreichbarkeit- |
Ich hänge jedes Mal ewig in der Warteschleife | erreichbarkeit- |
Im Kundenzentrum keine Wartezeit | erreichbarkeit+ |
Anrufe werden nicht angenommen | erreichbarkeit- |
Die Schlange war heute kurz | erreichbarkeit+ |
Wirklich sehr freundliches Personal | freundlichkeit+ |
War ziemlich unfreundlich heute | freundlichkeit- |
Netter Kontakt am Telefon | freundlichkeit+ erreichbarkeit0 |
Der Herr am Schalter war sehr höflich | freundlichkeit+ |
Ihr seid immer so nett! | freundlichkeit+ |
Der Monteur wusste nicht was er tut | loesung- |
Alles wurde schnell repariert | loesung+ |
Kompetenz gleich null | loesung- |
Endlich hat mir jemand geholfen | loesung+ |
Mein Anliegen wurde ignoriert | loesung- |
Die App ist echt klasse | digital+ |
Website ständig offline | digital- |
Zählerstand per App geht nicht | digital- |
Das Portal ist einfach zu bedienen | digital+ |
Online-Termin buchen klappt gut | digital+ lieferung0 |
Der Espresso ist zu bitter | lieferung- |
Leckere Croissants | lieferung+ |
Arbeit wurde ordentlich erledigt | lieferung+ loesung+ |
Der Kuchen war trocken | lieferung- |
Stromausfall wurde schnell behoben | lieferung0 loesung+ |
Ich kündige zum Jahresende | kuendigung- |
Kündigung hat problemlos geklappt | kuendigung+ |
Beim Umzug alles mitgenommen, top | kuendigung+ |
Wechselbonus kam nicht | kuendigung- |
Willkommensbrief war verständlich | onboarding+ kommunikation+ |
Die Anmeldung war chaotisch | onboarding- |
Erster Abschlag kam ohne Vorwarnung | rechnung- |
Infos kommen nie rechtzeitig | kommunikation- |
Wurde sofort zurückgerufen | kommunikation+ |
Der Brief war missverständlich | kommunikation- |
Hotline unfreundlich und Rechnung immer noch falsch | erreichbarkeit0 freundlichkeit- rechnung- |
Portal top, aber Abschlag zu hoch | digital+ rechnung- |
Leckerer Kaffee, freundliche Bedienung, faire Preise | lieferung+ freundlichkeit+ preis+ |
Wartezeit ok, Problem nicht gelöst | erreichbarkeit0 loesung- |
Schöne Atmosphäre, gerne wieder | |
Weiter so! | |
keine Angabe | |
Alles in Ordnung | |
Passt | |
Danke! | |
Nichts zu meckern | |
Macht weiter so | |
Top! | |
Bin zufrieden | |
Gerne wieder | |
Alles bestens | |
Schönes Ambiente | |
Mehr Sitzplätze wären schön | |
Musik zu laut | |
Parkplätze fehlen | |
Bitte mehr vegane Optionen | |
Ich empfehle euch gern weiter | |
Schon seit 20 Jahren Kunde | |
"""


def parse() -> list[tuple[str, dict[str, str], list[str]]]:
    """(comment, {theme: tone}, planted details) per line of :data:`COMMENTS`."""
    tones = {"+": "positive", "-": "negative", "0": "neutral"}
    out = []
    for line in COMMENTS.strip().splitlines():
        text, labels, details = (part.strip() for part in line.split("|"))
        expected = {label[:-1]: tones[label[-1]] for label in labels.split()}
        out.append((text, expected, [d.strip() for d in details.split(";") if d.strip()]))
    return out
