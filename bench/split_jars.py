"""Rewrites jars uncompressed (so that xz compresses across them) into WORK/lib, and splits them into
two halves of about the same compressed size, listed in WORK/a and WORK/b, for archives that must
each travel on their own. FIRST is the weight, in bytes, the first half carries already (a Java
runtime travelling with it).

    python3 bench/split_jars.py JARS_LISTING WORK FIRST
"""

import os
import sys
import zipfile


def main(listing, work, first):
    halves, weight = {"a": [], "b": []}, {"a": float(first), "b": 0.0}
    os.makedirs(os.path.join(work, "lib"), exist_ok=True)
    with open(listing) as jars:
        paths = jars.read().split()
    # a jar's own size is close to its share of the compressed archive
    for path in sorted(paths, key=os.path.getsize, reverse=True):
        name, half = os.path.basename(path), min(weight, key=weight.get)
        halves[half].append("lib/" + name)
        weight[half] += os.path.getsize(path)
        with zipfile.ZipFile(path) as zin, zipfile.ZipFile(
            os.path.join(work, "lib", name), "w", zipfile.ZIP_STORED
        ) as zout:
            for info in zin.infolist():
                stored = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                stored.external_attr = info.external_attr
                zout.writestr(stored, zin.read(info.filename))
    for half, names in halves.items():
        with open(os.path.join(work, half), "w") as out:
            out.write("\n".join(names) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
