#!/usr/bin/env python3
"""rename-archive.py IN OUT LOCAL=TARGET...: rewrites a `docker save` archive under new names.

Each image saved as LOCAL (name:tag) is named TARGET instead, in manifest.json's RepoTags and in
the legacy `repositories` file, which is written as the archive's first entry. kind's node-image
builder reads an archive's image names from whichever of the two comes first, and from
manifest.json only the first image's; `repositories` lists every image, so with it first kind
knows all the images the archive holds and does not try to pull them (see README.md).
containerd's importer reads manifest.json and imports every image in it under its RepoTags.
"""
import io
import json
import sys
import tarfile


def main() -> None:
    src, out, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
    rename = dict(pair.split("=", 1) for pair in pairs)
    with tarfile.open(src) as archive:
        members = archive.getmembers()
        manifest = json.load(archive.extractfile("manifest.json"))
        repositories: dict[str, dict[str, str]] = {}
        for entry in manifest:
            tags = entry.get("RepoTags") or []
            unknown = [t for t in tags if t not in rename]
            if unknown or not tags:
                sys.exit(f"rename-archive.py: no new name given for {unknown or entry['Config']}")
            entry["RepoTags"] = [rename[t] for t in tags]
            top_layer = entry["Layers"][-1].split("/")[0]
            for target in entry["RepoTags"]:
                repo, tag = target.rsplit(":", 1)
                repositories.setdefault(repo, {})[tag] = top_layer
        missing = set(rename.values()) - {t for e in manifest for t in e["RepoTags"]}
        if missing:
            sys.exit(f"rename-archive.py: {src} holds no image for {sorted(missing)}")

        with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as target:
            for name, content in (("repositories", repositories), ("manifest.json", manifest)):
                data = json.dumps(content).encode()
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mode = 0o644
                target.addfile(info, io.BytesIO(data))
            for member in members:
                if member.name in ("repositories", "manifest.json"):
                    continue
                target.addfile(member, archive.extractfile(member) if member.isfile() else None)


if __name__ == "__main__":
    main()
