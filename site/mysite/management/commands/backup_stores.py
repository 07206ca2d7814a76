"""Export and import the site's data stores other than the SQL database, for
the backup role (ansible/roles/backup), with this deployment's own settings:

    manage.py backup_stores dump-mongo   OUT.tar.gz   # every collection of MONGO_DB
    manage.py backup_stores load-mongo   IN.tar.gz    # drop those collections, insert, index
    manage.py backup_stores dump-objects OUT.tar.gz   # the Swift container, or MEDIA_ROOT
    manage.py backup_stores load-objects IN.tar.gz    # put every object back
    manage.py backup_stores clear-cache               # after a restore: no stale pages

MongoDB: each collection becomes <name>.bson (the documents as the server
sent them, raw BSON one after the other, in _id order: the format mongodump
writes) and <name>.metadata.json (its indexes and options). Nothing is decoded
and re-encoded, so a restored document is the same bytes. Only pymongo's
basic commands are used, so it works with MongoDB and with wire-compatible
servers alike. Like mongodump without a replica set, collections are read one
after the other, not at one instant.

Objects: a tar of objects/<name> with index.json (content type, size, MD5),
read from and written back to the Swift container when Swift is configured,
else to MEDIA_ROOT (files keep their path under it). Objects are streamed
from Swift into the archive and back; tar members are never extracted to disk.

Every command prints one JSON line (what it did, with counts) for the caller.
"""

import hashlib
import io
import json
import os
import tarfile
import time
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

BATCH = 500


def _member(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _read_member(tar, name):
    try:
        member = tar.getmember(name)
    except KeyError as exc:
        raise CommandError(f"{name} is missing from the archive") from exc
    return tar.extractfile(member).read()


def _safe_name(name):
    """An object name from an archive, refusing absolute paths and '..'."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts:
        raise CommandError(f"refusing object name {name!r}")
    return name


class Command(BaseCommand):
    help = "Dump or load the MongoDB store and the uploaded objects (Swift or MEDIA_ROOT)."

    def add_arguments(self, parser):
        parser.add_argument(
            "action", choices=["dump-mongo", "load-mongo", "dump-objects", "load-objects", "clear-cache"]
        )
        parser.add_argument("archive", nargs="?", help="the .tar.gz to write or read")

    def handle(self, *args, action, archive, **options):
        if action != "clear-cache" and not archive:
            raise CommandError(f"{action} needs the archive's path")
        result = getattr(self, action.replace("-", "_"))(archive)
        self.stdout.write(json.dumps({"action": action, **result}, sort_keys=True))

    # --- MongoDB -------------------------------------------------------------

    def _mongo(self):
        if not settings.MONGO_URI:
            return None
        import pymongo
        from bson.raw_bson import RawBSONDocument

        client = pymongo.MongoClient(
            settings.MONGO_URI,
            serverSelectionTimeoutMS=10000,
            document_class=RawBSONDocument,
            appname="polls-backup",
        )
        return client[settings.MONGO_DB]

    def dump_mongo(self, archive):
        db = self._mongo()
        counts = {}
        with tarfile.open(archive, "w:gz") as tar:
            if db is not None:
                names = sorted(n for n in db.list_collection_names() if not n.startswith("system."))
                for name in names:
                    chunks, count = [], 0
                    for doc in db[name].find({}).sort("_id", 1):
                        chunks.append(doc.raw)
                        count += 1
                    indexes = [
                        {
                            "key": list(index["key"].items()),
                            **{k: index[k] for k in ("name", "unique", "sparse", "expireAfterSeconds") if k in index},
                        }
                        for index in (dict(i) for i in db[name].list_indexes())
                    ]
                    metadata = {"collection": name, "count": count, "indexes": indexes}
                    _member(tar, f"mongodb/{name}.bson", b"".join(chunks))
                    _member(
                        tar, f"mongodb/{name}.metadata.json", json.dumps(metadata, sort_keys=True, default=str).encode()
                    )
                    counts[name] = count
            _member(
                tar,
                "mongodb/index.json",
                json.dumps(
                    {
                        "configured": db is not None,
                        "database": db.name if db is not None else None,
                        "collections": counts,
                    },
                    sort_keys=True,
                ).encode(),
            )
        return {"configured": db is not None, "collections": counts}

    def load_mongo(self, archive):
        import pymongo
        from bson import decode_file_iter
        from bson.codec_options import CodecOptions
        from bson.raw_bson import RawBSONDocument

        with tarfile.open(archive, "r:gz") as tar:
            index = json.loads(_read_member(tar, "mongodb/index.json"))
            if not index["configured"]:
                return {"configured": False, "collections": {}, "note": "the backup has no MongoDB store"}
            db = self._mongo()
            if db is None:
                raise CommandError("the backup has a MongoDB store but MONGO_URI is not set here")
            raw = CodecOptions(document_class=RawBSONDocument)
            counts = {}
            for name, expected in sorted(index["collections"].items()):
                metadata = json.loads(_read_member(tar, f"mongodb/{name}.metadata.json"))
                data = _read_member(tar, f"mongodb/{name}.bson")
                db.drop_collection(name)
                collection = db[name]
                batch, count = [], 0
                for doc in decode_file_iter(io.BytesIO(data), codec_options=raw):
                    batch.append(doc)
                    if len(batch) >= BATCH:
                        collection.insert_many(batch, ordered=True)
                        count, batch = count + len(batch), []
                if batch:
                    collection.insert_many(batch, ordered=True)
                    count += len(batch)
                if count != expected:
                    raise CommandError(f"collection {name}: {count} documents loaded, the backup lists {expected}")
                for spec in metadata["indexes"]:
                    keys = [(field, direction) for field, direction in spec["key"]]
                    if keys == [("_id", 1)]:
                        continue  # every collection has it
                    extra = {k: spec[k] for k in ("name", "unique", "sparse", "expireAfterSeconds") if k in spec}
                    try:
                        collection.create_index(keys, **extra)
                    except pymongo.errors.OperationFailure:
                        # Same keys under another name (servers name indexes differently).
                        extra.pop("name", None)
                        collection.create_index(keys, **extra)
                counts[name] = count
        return {"configured": True, "collections": counts}

    # --- Objects (Swift or MEDIA_ROOT) ---------------------------------------

    def _swift(self):
        if not settings.SWIFT_AUTH_URL:
            return None
        from swiftclient.client import Connection

        return Connection(
            authurl=settings.SWIFT_AUTH_URL,
            user=settings.SWIFT_USER,
            key=settings.SWIFT_KEY,
            auth_version="1",
            timeout=30,
            retries=2,
        )

    def dump_objects(self, archive):
        swift = self._swift()
        entries = []
        with tarfile.open(archive, "w:gz") as tar:
            if swift is not None:
                from swiftclient.exceptions import ClientException

                container = settings.SWIFT_CONTAINER
                try:
                    _headers, listing = swift.get_container(container, full_listing=True)
                except ClientException as exc:
                    if exc.http_status != 404:
                        raise
                    listing = []  # no upload yet: the container is made on the first one
                for item in listing:
                    name = item["name"]
                    headers, body = swift.get_object(container, name)
                    digest = hashlib.md5(body, usedforsecurity=False).hexdigest()
                    if headers.get("etag") and headers["etag"].strip('"') != digest:
                        raise CommandError(f"object {name}: Swift's ETag does not match its content")
                    _member(tar, f"objects/{name}", body)
                    entries.append(
                        {
                            "name": name,
                            "size": len(body),
                            "md5": digest,
                            "content_type": headers.get("content-type", "application/octet-stream"),
                        }
                    )
                source = {"kind": "swift", "container": container}
            else:
                root = Path(settings.MEDIA_ROOT)
                for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []:
                    body = path.read_bytes()
                    name = path.relative_to(root).as_posix()
                    _member(tar, f"objects/{name}", body)
                    entries.append(
                        {"name": name, "size": len(body), "md5": hashlib.md5(body, usedforsecurity=False).hexdigest()}
                    )
                source = {"kind": "media", "root": str(root)}
            _member(
                tar, "objects/index.json", json.dumps({"source": source, "objects": entries}, sort_keys=True).encode()
            )
        return {"source": source["kind"], "objects": len(entries), "bytes": sum(e["size"] for e in entries)}

    def load_objects(self, archive):
        swift = self._swift()
        with tarfile.open(archive, "r:gz") as tar:
            index = json.loads(_read_member(tar, "objects/index.json"))
            if swift is not None:
                container = settings.SWIFT_CONTAINER
                swift.put_container(container)
            else:
                root = Path(settings.MEDIA_ROOT)
                owner = root.stat() if root.exists() else None
            for entry in index["objects"]:
                name = _safe_name(entry["name"])
                body = _read_member(tar, f"objects/{name}")
                if hashlib.md5(body, usedforsecurity=False).hexdigest() != entry["md5"]:
                    raise CommandError(f"object {name}: content does not match the backup's index")
                if swift is not None:
                    etag = swift.put_object(
                        container, name, contents=body, content_type=entry.get("content_type") or _guess(name)
                    )
                    if etag and etag.strip('"') != entry["md5"]:
                        raise CommandError(f"object {name}: Swift stored something else (ETag {etag})")
                else:
                    self._write_media(root, name, body, owner)
        kind = "swift" if swift is not None else "media"
        return {"target": kind, "objects": len(index["objects"]), "bytes": sum(e["size"] for e in index["objects"])}

    @staticmethod
    def _write_media(root, name, body, owner):
        """Write one file under MEDIA_ROOT, owned like MEDIA_ROOT (the runtime user)."""
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".restoring")
        tmp.write_bytes(body)
        os.replace(tmp, path)
        if owner is not None:
            for parent in path.relative_to(root).parents:  # services/images, services, .
                os.chown(root / parent, owner.st_uid, owner.st_gid)
            os.chown(path, owner.st_uid, owner.st_gid)
        path.chmod(0o644)  # Django's FILE_UPLOAD_PERMISSIONS default

    # --- Cache ---------------------------------------------------------------

    def clear_cache(self, archive):
        from django.core.cache import caches

        cleared = []
        for alias in settings.CACHES:
            caches[alias].clear()
            cleared.append(alias)
        return {"cleared": cleared}


def _guess(name):
    import mimetypes

    return mimetypes.guess_type(name)[0] or "application/octet-stream"
