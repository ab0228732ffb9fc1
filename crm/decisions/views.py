"""Decisions: the blueprint of the part (minutes, votes, selection)."""
from flask import Blueprint

bp = Blueprint("decisions", __name__)
