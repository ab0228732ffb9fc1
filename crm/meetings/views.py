"""Meetings: list, create and change, the meeting page with agenda and invitees."""
from flask import Blueprint

bp = Blueprint("meetings", __name__)
