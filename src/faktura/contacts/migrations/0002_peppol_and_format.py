from django.db import migrations, models


def public_customers_get_xrechnung(apps, schema_editor):
    """Customers with a Leitweg-ID were sent XRechnung (UBL) with the PDF; keep that."""
    Contact = apps.get_model("contacts", "Contact")
    Contact.objects.exclude(leitweg_id="").update(einvoice_format="xrechnung-ubl")


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="einvoice_format",
            field=models.CharField(
                choices=[
                    ("facturx", "PDF with Factur-X"),
                    ("xrechnung-ubl", "XRechnung (UBL)"),
                    ("xrechnung-cii", "XRechnung (CII)"),
                    ("peppol", "Peppol BIS Billing 3.0"),
                ],
                default="facturx",
                max_length=20,
                verbose_name="e-invoice format",
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="peppol_id",
            field=models.CharField(blank=True, max_length=140, verbose_name="Peppol ID"),
        ),
        migrations.RunPython(public_customers_get_xrechnung, migrations.RunPython.noop),
    ]
