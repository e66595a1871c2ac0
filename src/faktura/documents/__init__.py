"""Invoice documents: Typst templates, PDF and Factur-X rendering, benchmark samples.

``rendering`` works on ``faktura.einvoice.snapshot.InvoiceSnapshot`` alone and imports no
Django, so it runs in web processes, workers and benchmark pools alike.
"""
