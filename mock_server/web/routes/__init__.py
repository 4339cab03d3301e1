"""Thin HTTP layers: parse the request, call the domain, answer. No decisions are made here."""
