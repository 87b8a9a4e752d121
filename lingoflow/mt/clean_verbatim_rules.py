"""Clean-verbatim rules, per language, as data (read by mt/condense.py).

What a subtitler or dubbing adapter drops from spontaneous speech because it carries no meaning:
- ``fillers``: hesitation sounds, dropped wherever they stand;
- ``markers``: discourse markers that carry nothing ("you know", "I mean"), dropped only where they
  are set off as an aside: at the start of a sentence or clause, or followed by a comma;
- ``clause_markers``: markers also dropped without commas where a new clause follows them
  (``clause_openers``: "I mean I guess", "you know she's") and the word before does not make them
  a question or an object (``clause_marker_keep_after``: "did you know she's", "what I mean");
- ``hedges``: "kind of" / "sort of" used as a softener, dropped unless the word before them makes
  them mean "type of" (``hedge_keep_after``: "what kind of car" stays);
- ``doubles``: words whose immediate repetition is grammatical ("that that", "had had"): kept.
- ``negations``: never removed, whatever rule would match them; ``numbers``: number words, never removed
  (digits are protected in every language).
- ``optional`` / ``optional_openers``: what a subtitler drops next, only from a line whose
  translation is too long for its slot (mt/shorter.py): intensifiers and interjections anywhere
  ("really", "actually", "oh"), connectives only where they open a sentence ("So they left";
  "..., so they left" keeps its cause). Never after a negation ("not really"), never before
  ``optional_keep_before`` ("so far", "so much") or a number, never a question of its own
  ("Really?"), never the whole line.
- ``pro_drop`` / ``pro_drop_after``: in a translation still too long for its slot (mt/shorter.py), a
  subject pronoun said again in its sentence, right after a conjunction ("Ele poderia ... se ele
  parecesse"), goes where the language marks the subject on its verb (pt, es, it): the sentence
  must have opened with the same pronoun (or had it after a conjunction or comma); "que" is not
  among the conjunctions ("o homem que ele viu" would turn into "the man who saw").
- ``shorter``: in such a translation, a subtitler's shorter wording of the same meaning ("no
  entanto" -> "mas", "novamente" -> "de novo", "in order to" -> "to"), phrase -> replacement; a
  replacement that is one of the ``conjunctions`` ("mas") only opens a sentence ("Ele, no entanto,
  saiu" keeps its words) and does not keep the phrase's comma.
Stutters ("wh- what"), repeated words and restarted phrases ("I think, I think that") are found
by mt/condense.py for every language alike; numbers, glossary terms and names are never touched.

Sources: the fillers and markers listed by clean-verbatim transcription guides (e.g. Rev's and
the BBC's subtitle guidelines, "Editing"), one list a language the ASR handles well and the
embedded MT and TTS serve. Words that are also ordinary words in the language (pt "é" = "is",
es "este" = "this", de "also" = "so", fr "bon" = "good") are deliberately left out.
"""
from __future__ import annotations

RULES: dict[str, dict[str, list[str] | dict[str, str]]] = {
    "en": {
        "conjunctions": ["but"],
        "shorter": {"in order to": "to", "due to the fact that": "because", "at this point in time": "now", "at the moment": "now",
                    "approximately": "about", "is able to": "can", "are able to": "can", "was able to": "could", "were able to": "could",
                    "a large number of": "many", "in spite of the fact that": "although", "with regard to": "about", "in the event that": "if"},
        "optional": ["really", "actually", "oh"],
        "optional_openers": ["so"],
        "optional_keep_before": ["that", "far", "much", "many", "long", "to", "what", "in", "as"],
        "numbers": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "million", "billion", "percent", "half"],
        "fillers": ["uh", "um", "uhm", "umm", "uhh", "erm", "er", "ah", "hmm", "hm", "mm", "mmm", "eh"],
        "markers": ["you know", "i mean", "you see", "like", "well", "basically", "literally", "okay so"],
        "clause_markers": ["you know", "i mean"],
        "clause_openers": ["i", "i'm", "i've", "i'll", "i'd", "he", "he's", "she", "she's", "we", "we're", "we've", "we'll",
                           "they", "they're", "they've", "there's", "that's", "it's"],
        "clause_marker_keep_after": ["do", "does", "did", "don't", "doesn't", "didn't", "if", "whether", "what", "how", "when", "as", "now",
                                     "would", "will", "could", "should", "might", "can", "can't", "to", "you'll", "i'll", "all", "we"],
        "hedges": ["kind of", "sort of", "kinda", "sorta"],
        "hedge_keep_after": ["what", "which", "a", "an", "the", "this", "that", "these", "those", "some", "any", "every", "each",
                             "no", "one", "same", "different", "other", "another", "my", "your", "our", "their", "his", "her", "all", "of"],
        "doubles": ["that", "had", "is", "do", "very", "so", "no", "bye", "ha"],
        "negations": ["not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "n't", "can't", "don't", "doesn't", "didn't",
                      "won't", "isn't", "aren't", "wasn't", "weren't", "shouldn't", "wouldn't", "couldn't", "haven't", "hasn't", "hadn't", "cannot"],
    },
    "pt": {
        "conjunctions": ["mas"],
        "pro_drop": ["ele", "ela", "eles", "elas", "eu", "nós"],
        "pro_drop_after": ["se", "quando", "porque", "mas", "e", "enquanto", "embora", "pois", "caso"],
        "shorter": {"poderia": "podia", "poderiam": "podiam", "deveria": "devia", "deveriam": "deviam", "desaparecer": "sumir",
                    "desapareceu": "sumiu", "desapareceria": "sumiria", "desapareceram": "sumiram", "novamente": "de novo",
                    "somente": "só", "entretanto": "mas", "no entanto": "mas", "contudo": "mas", "portanto": "então",
                    "atualmente": "hoje", "imediatamente": "já", "aproximadamente": "cerca de", "a respeito de": "sobre",
                    "em relação a": "sobre", "com relação a": "sobre", "devido a": "por", "a fim de": "para", "com o objetivo de": "para",
                    "neste momento": "agora", "nesse momento": "agora", "uma vez que": "já que", "rapidamente": "rápido"},
        "optional": ["realmente"],
        "optional_openers": ["então"],
        "optional_keep_before": ["que"],
        "numbers": ["zero", "um", "uma", "dois", "duas", "três", "quatro", "cinco", "seis", "sete", "oito", "nove", "dez", "onze", "doze", "vinte", "trinta", "quarenta", "cinquenta", "cem", "cento", "mil", "milhão", "milhões", "bilhão", "meio", "meia"],
        "fillers": ["hã", "ãh", "ah", "éh", "ééé", "hum", "humm", "hmm", "ahn", "uhm", "eh"],
        "markers": ["tipo assim", "quer dizer", "sabe", "né", "entendeu", "tá ligado", "digamos assim", "ou seja assim"],
        "hedges": ["meio que"],
        "hedge_keep_after": [],
        "doubles": ["que", "não", "muito"],
        "negations": ["não", "nunca", "nada", "nenhum", "nenhuma", "ninguém", "nem", "jamais"],
    },
    "es": {
        "conjunctions": ["pero"],
        "pro_drop": ["él", "ella", "ellos", "ellas", "yo", "nosotros", "nosotras"],
        "pro_drop_after": ["si", "cuando", "porque", "pero", "y", "mientras", "aunque", "pues"],
        "shorter": {"nuevamente": "de nuevo", "solamente": "solo", "sin embargo": "pero", "no obstante": "pero", "actualmente": "hoy",
                    "aproximadamente": "cerca de", "a fin de": "para", "con el fin de": "para", "debido a": "por",
                    "en este momento": "ahora", "rápidamente": "rápido", "inmediatamente": "ya"},
        "optional": ["realmente"],
        "optional_openers": ["entonces"],
        "optional_keep_before": ["que"],
        "numbers": ["cero", "uno", "una", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "once", "doce", "veinte", "treinta", "cuarenta", "cincuenta", "cien", "ciento", "mil", "millón", "millones", "medio", "media"],
        "fillers": ["eh", "ehh", "em", "emm", "mm", "mmm", "hmm", "ah", "uh", "um"],
        "markers": ["o sea", "¿sabes?", "sabes", "digamos", "vale", "bueno", "pues nada", "¿no?"],
        "hedges": ["como que"],
        "hedge_keep_after": [],
        "doubles": ["que", "no", "muy"],
        "negations": ["no", "nunca", "nada", "ningún", "ninguno", "ninguna", "nadie", "ni", "jamás", "tampoco"],
    },
    "de": {
        "shorter": {"ungefähr": "etwa", "zurzeit": "jetzt", "momentan": "jetzt"},
        "optional": ["wirklich", "eigentlich"],
        "optional_openers": [],
        "optional_keep_before": [],
        "numbers": ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf", "zwölf", "zwanzig", "dreißig", "vierzig", "fünfzig", "hundert", "tausend", "million", "millionen", "milliarde", "halb"],
        "fillers": ["äh", "ähm", "öh", "öhm", "hm", "hmm", "mhm", "ehm", "eh"],
        "markers": ["weißt du", "sozusagen", "quasi", "halt", "irgendwie", "na ja", "naja"],
        "hedges": [],
        "hedge_keep_after": [],
        "doubles": ["die", "der", "das", "sehr"],
        "negations": ["nicht", "kein", "keine", "keinen", "keinem", "keiner", "nie", "niemals", "nichts", "niemand", "weder", "noch"],
    },
    "fr": {
        "conjunctions": ["mais"],
        "shorter": {"cependant": "mais", "néanmoins": "mais", "toutefois": "mais", "afin de": "pour", "à nouveau": "encore",
                    "rapidement": "vite"},
        "optional": ["vraiment"],
        "optional_openers": ["alors"],
        "optional_keep_before": ["que", "qu'"],
        "numbers": ["zéro", "un", "une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze", "vingt", "trente", "quarante", "cinquante", "cent", "mille", "million", "millions", "milliard", "demi"],
        "fillers": ["euh", "heu", "hum", "hmm", "ben", "bah", "eh", "ah"],
        "markers": ["tu vois", "vous voyez", "tu sais", "vous savez", "genre", "en fait", "du coup", "quoi", "hein", "disons"],
        "hedges": ["un peu"],
        "hedge_keep_after": ["très", "un"],
        "doubles": ["que", "très", "nous", "vous"],
        "negations": ["ne", "n'", "pas", "jamais", "rien", "personne", "aucun", "aucune", "ni", "non", "plus"],
    },
    "it": {
        "conjunctions": ["ma"],
        "pro_drop": ["lui", "lei", "loro", "io", "noi"],
        "pro_drop_after": ["se", "quando", "perché", "ma", "e", "mentre"],
        "shorter": {"nuovamente": "di nuovo", "solamente": "solo", "tuttavia": "ma", "pertanto": "quindi", "attualmente": "oggi",
                    "al fine di": "per", "in questo momento": "ora"},
        "optional": ["davvero"],
        "optional_openers": [],
        "optional_keep_before": [],
        "numbers": ["zero", "uno", "una", "due", "tre", "quattro", "cinque", "sei", "sette", "otto", "nove", "dieci", "undici", "dodici", "venti", "trenta", "quaranta", "cinquanta", "cento", "mille", "milione", "milioni", "miliardo", "mezzo"],
        "fillers": ["ehm", "eh", "ehh", "mmm", "mm", "hmm", "uhm", "ah"],
        "markers": ["cioè", "tipo", "insomma", "diciamo", "sai", "capito", "praticamente", "allora"],
        "hedges": [],
        "hedge_keep_after": [],
        "doubles": ["che", "molto"],
        "negations": ["non", "mai", "niente", "nulla", "nessuno", "nessuna", "né", "neanche", "nemmeno", "neppure"],
    },
}

# A language without rules of its own still loses hesitation sounds that no language spells as a word.
UNIVERSAL_FILLERS = ["uh", "um", "uhm", "umm", "hmm", "mmm", "ehm"]
