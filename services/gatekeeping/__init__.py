"""Gatekeeping: the case aggregate per case reference, applying the Pathfinder rules (CIR author,
the 40-working-day filing clock, IDVA referral, conclusion) and publishing case facts."""
