from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_figure_snapshots"),
    ]

    operations = [
        migrations.AddField(
            model_name="figuresnapshot",
            name="schema_version",
            # Every snapshot recorded so far has the first shape of the figures.
            field=models.PositiveSmallIntegerField(default=1, verbose_name="schema version"),
        ),
    ]
