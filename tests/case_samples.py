"""Case-file texts shared by the tests of the catalogue, compare and the reliability tier."""

#: One valid catalogue entry (Serbia 2000), as a case file holding only it.
ONE_CASE = """
[[case]]
id = "serbia-2000"
name = "Overthrow of Milosevic"
country = "Serbia"
start_year = 1996
end_year = 2000
regime_type = "personalist"
legitimacy = "low"
security_cohesion = "medium"
repression_capacity = "medium"
grievance = "high"
discipline = "high"
breadth = "high"
media_freedom = "medium"
international_pressure = "high"
tactics = "mixed"
[case.observed]
outcome = "success"
peak_participation_pct = 2.66
security_defections = true
sources = ["NAVCO 1.2 (Chenoweth & Shay 2019)"]
"""
