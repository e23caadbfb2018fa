"""Documents made from the data: referral-letter and monthly-summary PDFs, CSV/XLSX tables."""
