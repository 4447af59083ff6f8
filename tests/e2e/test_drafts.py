#!/usr/bin/env python3
"""End-to-end tests of drafts as users write them (docs/SEMANTICS.md,
"Front matter as YAML" and "Saving a draft many times"):

  - front matter is YAML: quotes are YAML's, metadata a block mapping,
    image a list; relative image paths are the writer's, not the daemon's;
  - vim (ex mode) saves a held draft new/<name>.draft many times and
    nothing is sent; `mv` onto the plain name sends it once; vim's second
    :w of a plain name it already sent fails and sends nothing more;
  - a save onto a receipt fails with EISDIR and an /errors line that says
    the run was already sent;
  - no silent no-ops: `tee new/4521` and a *.tmp name are sent; vim's
    4913 probe (created, closed, removed, never written) sends nothing;
    front matter with no prompt says so in .error.

Every test counts the creates the fake got: exactly one per intended send.

    CGFS_BIN=build/fs/codegen-fs python3 tests/e2e/test_drafts.py [Class[.test]]

Exits 77 (meson's skip) when FUSE is unavailable.
"""

import errno
import os
import shutil
import stat
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import describe_requests, sh  # noqa: E402
from mountcase import main  # noqa: E402
from test_outbox import (  # noqa: E402  (runs nothing on import)
    ERROR_SUFFIX, JPEG, NEW, REPO, OutboxTest, data_uri, png_bytes, write_close)

VIM = shutil.which("vim")
# -u NONE: no vimrc; -i NONE: no viminfo; -N: not vi-compatible; -es: ex
# mode, silent.  backupskip= : vim skips backups for /tmp/*, where the mount
# lives; empty, vim saves as it does in $HOME (probe 4913, backup, fsync).
VIM_SET = "set swapfile directory=. backupcopy=auto writebackup nobackup backupskip= fsync"


class DraftTest(OutboxTest):

    def vim(self, m, name, *commands, home):
        """vim -es on new/<name> with cwd new/, running commands (ex
        commands); -> (rc, stdout + stderr)."""
        argv = [VIM, "-u", "NONE", "-i", "NONE", "-N", "-es", "-c", VIM_SET]
        for c in commands:
            argv += ["-c", c]
        argv.append(name)
        rc, out, err = sh(argv, cwd=m.path(NEW), env=dict(os.environ, HOME=home),
                          timeout=60)
        return rc, out + err


# --------------------------------------------------------------------------
# Front matter as YAML

class YamlFrontMatterTest(DraftTest):

    def test_quotes_block_mapping_and_image_lists(self):
        m = self.mount_outbox()
        here = self.tmpdir()
        os.mkdir(os.path.join(here, "shots"))
        with open(os.path.join(here, "shots", "a.png"), "wb") as f:
            f.write(png_bytes())
        with open(os.path.join(here, "b.jpg"), "wb") as f:
            f.write(JPEG)
        prompt = "Add retries to the payment client.\n"
        text = ("---\n"
                'model: "claude-sonnet-4"     # quoted, as YAML allows\n'
                "agent_type: 'claude_code'\n"
                "repo: payments\n"
                "metadata:\n"
                "  ticket: PAY-12\n"
                "  priority: 2\n"
                "  urgent: true\n"
                '  code: "007"\n'
                "  labels: [api, retries]\n"
                "image: [shots/a.png]\n"
                "image:\n"
                "  - b.jpg\n"
                "---\n" + prompt)
        src = self.source_file(text)
        seq = self.fake.mark()
        # cat runs in `here`: the relative paths are its, not the daemon's /
        rc, _, err = sh(["sh", "-c", 'cat "$1" > "$2"', "sh", src, m.path(NEW, "yaml")],
                        cwd=here)
        self.assertEqual((rc, err), (0, ""), "cat > new/yaml")
        metadata = {"ticket": "PAY-12", "priority": 2, "urgent": True, "code": "007",
                    "labels": ["api", "retries"]}
        images = [data_uri("png", png_bytes()), data_uri("jpeg", JPEG)]
        self.assertSentOnce(seq, prompt, "YAML front matter", model="claude-sonnet-4",
                            agent_type="claude_code", repo_id=REPO, metadata=metadata,
                            images=images)
        self.assertReceipt(m, f"{NEW}/yaml", prompt, "YAML front matter")

    def test_relative_image_missing_in_the_writers_directory(self):
        m = self.mount_outbox()
        here = self.tmpdir()
        text = b"---\nimage: shot.png\n---\nLook at this\n"
        seq = self.fake.mark()
        rc, _, err = sh(["sh", "-c", 'printf "%s" "$1" | tee "$2" >/dev/null', "sh",
                         text.decode(), m.path(NEW, "rel")], cwd=here)
        self.assertEqual(rc, 1, f"tee new/rel: the send must fail (stderr {err!r})")
        self.assertIn(os.strerror(errno.EINVAL), err, "tee shows EINVAL")
        self.assertNoCreate(seq, "an image not found in the writer's directory")
        self.assertDraftKept(m, f"{NEW}/rel", text, "relative image",
                             contains=(f"image 'shot.png' (in {os.path.realpath(here)}): "
                                       "No such file or directory",))

    def test_what_the_create_body_does_not_allow_is_einval(self):
        m = self.mount_outbox()
        cases = (
            ("agent", "---\nagent_type: codex\n---\nhi\n",
             "front matter line 2: agent_type 'codex' is not one of: codegen, claude_code"),
            ("list", "---\nmodel: [a, b]\n---\nhi\n",
             "front matter line 2: 'model' takes one value, not a list or a mapping"),
            ("alias", "---\nmetadata: {a: &x [1], b: *x}\n---\nhi\n",
             "front matter line 2: aliases (*x) are not supported"),
            ("syntax", "---\nmetadata:\n  a: [1\n---\nhi\n",
             "front matter line 4: not YAML: "),
        )
        for name, text, reason in cases:
            with self.subTest(case=name):
                seq = self.fake.mark()
                result = write_close(m.path(NEW, name), text.encode())
                self.assertEqual(result["write"], len(text.encode()), f"{name}: the write")
                self.assertIsNotNone(result["close"], f"{name}: close succeeded")
                self.assertEqual(result["close"].errno, errno.EINVAL, f"{name}: close")
                self.assertNoCreate(seq, name)
                self.assertDraftKept(m, f"{NEW}/{name}", text.encode(), name,
                                     contains=(reason,))


# --------------------------------------------------------------------------
# Saving a draft many times; saving onto a receipt

@__import__("unittest").skipIf(VIM is None, "vim is not installed (scripts/setup installs it)")
class ManySavesTest(DraftTest):

    def test_vim_saves_a_held_draft_many_times_then_mv_sends_it_once(self):
        m = self.mount_outbox()
        home = self.tmpdir()
        seq = self.fake.mark()
        rc, out = self.vim(m, "idea.draft", "normal! iFirst half.", "w",
                           "normal! oSecond half.", "w", "w", "q", home=home)
        self.assertEqual(rc, 0, f"vim :w :w :w of new/idea.draft: {out!r}")
        self.assertNoCreate(seq, "three :w of a held draft")
        self.assertEqual(m.read(NEW, "idea.draft"), b"First half.\nSecond half.\n")
        self.assertTrue(stat.S_ISREG(os.lstat(m.path(NEW, "idea.draft")).st_mode))
        self.assertEqual(sorted(self.listing(m)), ["idea.draft"],
                         "new/ after vim: no scratch file left, no .error")
        # Editing it again later: still nothing sent.
        rc, out = self.vim(m, "idea.draft", "normal! GoThird part.", "w", "q", home=home)
        self.assertEqual(rc, 0, f"vim again: {out!r}")
        self.assertNoCreate(seq, "a fourth :w of the held draft")
        rc, _, err = sh(["mv", m.path(NEW, "idea.draft"), m.path(NEW, "idea")])
        self.assertEqual((rc, err), (0, ""), "mv new/idea.draft new/idea")
        prompt = "First half.\nSecond half.\nThird part.\n"
        self.assertSentOnce(seq, prompt, "mv of the held draft onto a plain name")
        self.assertReceipt(m, f"{NEW}/idea", prompt, "mv idea.draft idea")
        self.assertEqual(sorted(self.listing(m)), ["idea"])

    def test_the_readmes_vim_recipe_sends_once(self):
        """`:w | !mv % %:r` from inside vim (README)."""
        m = self.mount_outbox()
        home = self.tmpdir()
        seq = self.fake.mark()
        rc, out = self.vim(m, "plan.draft", "normal! iStep one.", "w", "normal! oStep two.",
                           "w | !mv % %:r", "q!", home=home)
        self.assertEqual(rc, 0, f"vim with :w | !mv % %:r: {out!r}")
        self.assertSentOnce(seq, "Step one.\nStep two.\n", "the README's recipe")
        self.assertReceipt(m, f"{NEW}/plan", "Step one.\nStep two.\n", "plan")
        self.assertEqual(sorted(self.listing(m)), ["plan"])

    def test_vim_second_save_of_a_sent_name_sends_nothing_more(self):
        m = self.mount_outbox()
        home = self.tmpdir()
        seq = self.fake.mark()
        said = os.path.join(home, "errmsg")
        # -es prints no message: vim's own error text is kept in v:errmsg.
        rc, out = self.vim(m, "idea", "normal! iAdd retries.", "w",
                           "normal! oAnd tests.", "w",
                           f"call writefile([v:errmsg], '{said}')", "q!", home=home)
        self.assertEqual(len(self.creates(seq)), 1,
                         f"one create for the first :w, none for the second: "
                         f"{describe_requests(self.fake.requests(seq))}; vim: {out!r}")
        self.assertSentOnce(seq, "Add retries.\n", "vim's first :w")
        self.assertNotEqual(rc, 0, f"vim's second :w onto the receipt must fail: {out!r}")
        with open(said, encoding="utf-8") as f:
            self.assertEqual(f.read(), 'E502: "idea" is a directory\n', "vim's message")
        self.assertReceipt(m, f"{NEW}/idea", "Add retries.\n", "vim idea")

    def test_a_save_onto_a_receipt_fails_and_says_the_run_was_sent(self):
        m = self.mount_outbox()
        seq = self.fake.mark()
        self.save(m.path(NEW, "sent"), b"Fix the flaky test\n", "new/sent")
        run_id = self.assertReceipt(m, f"{NEW}/sent", "Fix the flaky test\n", "new/sent")
        before = self.error_lines(m)
        # An editor that saves by writing a scratch file and renaming it
        # onto the name (gedit, VS Code's atomic save).
        self.save(m.path(NEW, ".goutputstream-X1"), b"Fix it better\n", "the scratch copy")
        self.assertErrno(errno.EISDIR, os.rename, m.path(NEW, ".goutputstream-X1"),
                         m.path(NEW, "sent"), what="rename of a draft onto the receipt")
        # mv -T: the name, not the run directory it links to (plain mv
        # moves into runs/<id>/, which is read-only: EROFS)
        rc, _, err = sh(["mv", "-T", m.path(NEW, ".goutputstream-X1"), m.path(NEW, "sent")])
        self.assertNotEqual(rc, 0, "mv -T onto the receipt")
        self.assertIn("Is a directory", err, "mv's message")
        self.assertEqual(len(self.creates(seq)), 1, "only the first save was sent: "
                         f"{describe_requests(self.fake.requests(seq))}")
        self.assertEqual(os.readlink(m.path(NEW, "sent")), f"../runs/{run_id}")
        self.assertEqual(m.read(NEW, ".goutputstream-X1"), b"Fix it better\n")
        new = self.error_lines(m)[len(before):]
        want = (f"rename /{NEW}/sent - EISDIR not saved: 'sent' was already sent, as run "
                f"{run_id} (the name is a link to its directory now); save under a new "
                f"name, or rm the link first")
        self.assertEqual(len(new), 2, f"/errors: one line per refused save: {new}")
        for line in new:
            self.assertEqual(line.split(" ", 1)[1], want, "/errors")
        # Writing through the link is the kernel's EISDIR (nothing reaches the
        # mount, nothing is sent).
        self.assertErrno(errno.EISDIR, write_close, m.path(NEW, "sent"), b"again\n",
                         what="open(new/sent, O_WRONLY) through the receipt")
        self.assertEqual(len(self.creates(seq)), 1, "a write through the receipt")


# --------------------------------------------------------------------------
# No silent no-ops

class NoSilentNoOpTest(DraftTest):

    def test_tee_to_a_ticket_number_is_sent(self):
        m = self.mount_outbox()
        seq = self.fake.mark()
        rc, _, err = sh(["sh", "-c", 'printf "PAY-4521: add retries\\n" | tee "$1" >/dev/null',
                         "sh", m.path(NEW, "4521")])
        self.assertEqual((rc, err), (0, ""), "tee new/4521")
        self.assertSentOnce(seq, "PAY-4521: add retries\n", "tee new/4521")
        self.assertReceipt(m, f"{NEW}/4521", "PAY-4521: add retries\n", "new/4521")

    def test_a_tmp_name_is_sent(self):
        m = self.mount_outbox()
        seq = self.fake.mark()
        rc, _, err = sh(["sh", "-c", 'printf "Notes to send\\n" | tee "$1" >/dev/null', "sh",
                         m.path(NEW, "notes.tmp")])
        self.assertEqual((rc, err), (0, ""), "tee new/notes.tmp")
        self.assertSentOnce(seq, "Notes to send\n", "tee new/notes.tmp")
        self.assertReceipt(m, f"{NEW}/notes.tmp", "Notes to send\n", "new/notes.tmp")

    def test_vims_4913_probe_sends_nothing(self):
        """What vim does to learn whether it may write the directory:
        create 4913 (O_CREAT|O_EXCL|O_NOFOLLOW), close it, remove it."""
        m = self.mount_outbox()
        seq = self.fake.mark()
        for name in ("4913", "5036"):       # the first, and vim's next try (+123)
            fd = os.open(m.path(NEW, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL |
                         os.O_NOFOLLOW, 0o600)
            os.close(fd)
        self.assertNotIn("4913" + ERROR_SUFFIX, self.listing(m))
        for name in ("4913", "5036"):
            os.unlink(m.path(NEW, name))
        self.assertNoCreate(seq, "vim's probe")
        self.assertEqual(self.listing(m), [], "new/ after the probe")

    def test_front_matter_without_a_prompt_says_not_sent(self):
        m = self.mount_outbox()
        seq = self.fake.mark()
        text = b"---\nmodel: claude-sonnet-4\n---\n\n"
        self.save(m.path(NEW, "later"), text, "new/later (front matter only)")
        self.assertNoCreate(seq, "front matter with no prompt")
        self.assertEqual(m.read(NEW, "later" + ERROR_SUFFIX),
                         b"not sent: no prompt after the front matter\n")
        self.assertEqual(m.read(NEW, "later"), text)
        # The prompt written, the note goes and it is sent.
        self.save(m.path(NEW, "later"), text + b"Now the prompt\n", "new/later")
        self.assertSentOnce(seq, "\nNow the prompt\n", "new/later with its prompt",
                            model="claude-sonnet-4")
        self.assertReceipt(m, f"{NEW}/later", "\nNow the prompt\n", "new/later")


if __name__ == "__main__":
    main()
