# The index page's query (latest published questions) uses an index on
# pub_date instead of sorting the whole table.
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("polls", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="question",
            name="pub_date",
            field=models.DateTimeField(db_index=True, verbose_name="date published"),
        ),
    ]
