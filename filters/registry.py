"""The one registry of steps a config may name with `use:`.

Explicit on purpose: a config is data, so it can only pick from this dict; nothing is imported
by a string from a config file. A new rule is added here and nowhere else.
"""

from filters import chinese, classifier, english, lines, listing, pii

STEPS: dict[str, type] = {
    step.name: step
    for step in (
        lines.LineCleaning,
        english.UrlBlocklistFilter,
        english.GopherRepetitionFilter,
        english.GopherQualityFilter,
        english.C4QualityFilter,
        english.FineWebQualityFilter,
        chinese.ZhLengthFilter,
        chinese.ZhCjkShareFilter,
        chinese.ZhLineLengthFilter,
        chinese.ZhSymbolsFilter,
        chinese.ZhRepetitionFilter,
        chinese.ZhSpamTermsFilter,
        listing.ListingFilter,
        pii.PiiFilter,
        classifier.QualityClassifier,
    )
}
