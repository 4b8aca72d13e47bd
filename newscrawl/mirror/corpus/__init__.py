"""Data kept in the repo from which the mirror is generated.

- banks.py: names, places, agencies, photo credits and sentence/title templates
  for generated articles (Korean, Japanese, Chinese, Hindi names and places...).
- special.py: hand-written articles (the 2018 seed article and its READ MORE
  targets, an opinion piece, a rich current-layout article, a multi-author one).
- real.py: the real saved pages (sputnik-legacy-*.html, copies of shared/real-pages/,
  see REAL-PAGES-SOURCES.md), served byte-for-byte, with their hand-written expected
  values; asia-article-2018-as-text.txt is a copy of shared/seed/.
  Data files sit flat in this folder so setup.py's `mirror/corpus/*` packages them.
"""
