"""core.screening.names: a file is named by its name, and by as much of its folder as tells it apart from other
files of that name diagnosed with it."""

from pathlib import Path

from core.screening.names import file_labels


def test_shared_names_carry_the_folders_that_tell_them_apart():
    paths = ["/a/clinic-a/day1/img1.jpg", "/a/clinic-b/day1/img1.jpg", "/a/clinic-b/day1/img2.jpg",
             "/x/img3.jpg", "/y/z/img3.jpg", "/z/img3.jpg"]
    assert file_labels(paths) == {
        "/a/clinic-a/day1/img1.jpg": str(Path("clinic-a", "day1", "img1.jpg")),
        "/a/clinic-b/day1/img1.jpg": str(Path("clinic-b", "day1", "img1.jpg")),
        "/a/clinic-b/day1/img2.jpg": "img2.jpg",
        "/x/img3.jpg": str(Path("x", "img3.jpg")),
        "/y/z/img3.jpg": str(Path("y", "z", "img3.jpg")),  # "z/img3.jpg" would also name /z/img3.jpg
        "/z/img3.jpg": "/z/img3.jpg",  # every ending of it ends another path too: the whole path
    }
    assert file_labels(["/a/b.jpg", "/a/b.jpg"]) == {"/a/b.jpg": "b.jpg"}  # one file given twice
