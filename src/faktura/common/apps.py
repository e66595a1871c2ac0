from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "faktura.common"
    label = "common"

    def ready(self) -> None:
        from django.utils.translation import gettext

        from faktura.core import translation

        # The messages core and einvoice define (they run without Django) are shown in the
        # request's language.
        translation.install(gettext)
