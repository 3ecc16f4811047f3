"""Citizen state codes as plain ints: numpy compares and stores them without conversion."""

from ..vocabulary import CitizenState

QUIET, PROTESTING, VIOLENT, JAILED, DEAD = (int(state) for state in CitizenState)
