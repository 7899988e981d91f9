"""Browser tests: real pages in Debian's Chromium, driven by Playwright.

A package, so that this directory's ``conftest`` does not shadow ``tests/conftest``.
"""
