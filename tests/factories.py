"""factory_boy factories for users and employers, and `make_user` (a user with a role).

Helpers that build data through the services, the way the application does, are in
`tests/helpers.py`.
"""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.models import Group, User

from cases.models import Employer as EmployerModel
from cases.models import InspectorProfile, Role

DEMO_PASSWORD = "Thuiswerk-2021!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"gebruiker{n}")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    email = factory.LazyAttribute(lambda u: f"{u.username}@inspectie.example")
    password = factory.PostGenerationMethodCall("set_password", DEMO_PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


def make_user(role: str | None = None, **kwargs: Any) -> User:
    user = UserFactory(role=role, **kwargs)
    if role in (Role.INSPECTEUR, Role.TEAMLEIDER):
        InspectorProfile.objects.create(
            user=user, function_title=str(role), phone="0703334444", team="Team Thuiswerken"
        )
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmployerModel

    name = factory.Sequence(lambda n: f"Werkgever {n} B.V.")
    kvk_number = factory.Sequence(lambda n: f"{10000000 + n:08d}")
    establishment_number = ""
    visit_street = "Parnassusplein"
    visit_number = "5"
    visit_postcode = "2511 VX"
    visit_city = "Den Haag"
    contact_form_of_address = "heer"
    contact_initials = "J."
    contact_tussenvoegsel = "de"
    contact_surname = "Vries"
    contact_phone = "0701234567"
    contact_email = "hr@werkgever.example"
    sector_id = "J"
