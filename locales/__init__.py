"""The bot's texts as package data: Fluent messages per language, the FAQ and directory seeds.

A package of its own, so that `pip install .` ships the files and the code finds them where
pip put them (bot.i18n.LOCALES_DIR), not only next to a source checkout.
"""
