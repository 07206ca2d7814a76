"""manage.py backup_stores: the MongoDB store and the uploads out to an archive
and back, byte for byte (a real nx-27017 server; uploads in MEDIA_ROOT)."""

import datetime
import io
import json
import tarfile

import pytest
from bson import ObjectId
from bson.raw_bson import RawBSONDocument
from django.core.management import call_command
from django.core.management.base import CommandError


def run(*args):
    out = io.StringIO()
    call_command("backup_stores", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def raw_documents(db, name):
    collection = db.get_collection(name, codec_options=db.codec_options.with_options(document_class=RawBSONDocument))
    return [doc.raw for doc in collection.find({}).sort("_id", 1)]


def test_mongo_round_trip_is_byte_for_byte(mongo, tmp_path):
    stamp = datetime.datetime(2026, 11, 23, 3, 15, 0, 123000, tzinfo=datetime.UTC)
    org = mongo.orgs.insert_one({"label": "Ünïcødé", "chart_rev": 2, "created": stamp, "ratio": 0.5}).inserted_id
    mongo.groups.insert_many(
        [{"org_id": str(org), "parent_id": None, "label": f"g{i}", "tags": ["a", {"b": i}]} for i in range(1203)]
    )
    mongo.groups.create_index([("org_id", 1)], name="org_id_1")
    before = {name: raw_documents(mongo, name) for name in ("orgs", "groups")}

    archive = tmp_path / "mongodb.tar.gz"
    assert run("dump-mongo", str(archive)) == {
        "action": "dump-mongo",
        "configured": True,
        "collections": {"groups": 1203, "orgs": 1},
    }
    mongo.drop_collection("orgs")
    mongo.groups.delete_many({"label": "g7"})
    mongo.groups.insert_one({"_id": ObjectId(), "label": "added after the backup"})

    assert run("load-mongo", str(archive))["collections"] == {"groups": 1203, "orgs": 1}
    assert {name: raw_documents(mongo, name) for name in ("orgs", "groups")} == before
    keys = [list(dict(index)["key"].items()) for index in mongo.groups.list_indexes()]
    assert [("org_id", 1)] in keys


def test_a_collection_missing_documents_is_refused(mongo, tmp_path):
    mongo.orgs.insert_many([{"label": str(i)} for i in range(3)])
    archive = tmp_path / "mongodb.tar.gz"
    run("dump-mongo", str(archive))
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "mongodb/orgs.bson":  # keep the first two documents only
                first = int.from_bytes(data[:4], "little")
                second = int.from_bytes(data[first : first + 4], "little")
                data = data[: first + second]
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(CommandError, match="2 documents loaded, the backup lists 3"):
        run("load-mongo", str(tampered))


def test_objects_in_media_root_round_trip(settings, tmp_path):
    root = tmp_path / "media"
    images = root / "services" / "images"
    images.mkdir(parents=True)
    files = {"a" * 32 + ".png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "b" * 32 + "-thumb.png": b"thumb"}
    for name, data in files.items():
        (images / name).write_bytes(data)

    archive = tmp_path / "objects.tar.gz"
    assert run("dump-objects", str(archive))["objects"] == 2
    for path in images.iterdir():
        path.unlink()
    assert run("load-objects", str(archive)) == {
        "action": "load-objects",
        "target": "media",
        "objects": 2,
        "bytes": sum(map(len, files.values())),
    }
    assert {p.name: p.read_bytes() for p in images.iterdir()} == files


def test_object_names_that_climb_out_are_refused(settings, tmp_path):
    archive = tmp_path / "evil.tar.gz"
    index = {"source": {"kind": "media"}, "objects": [{"name": "../../etc/evil", "size": 1, "md5": "x"}]}
    with tarfile.open(archive, "w:gz") as tar:
        data = json.dumps(index).encode()
        info = tarfile.TarInfo("objects/index.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(CommandError, match="refusing object name"):
        run("load-objects", str(archive))
    assert not (tmp_path / "etc").exists()


def test_an_archive_path_is_required():
    with pytest.raises(CommandError, match="needs the archive"):
        run("dump-mongo")
