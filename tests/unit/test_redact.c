/* transport_redact and transport_take_secrets against the iSCSI URI
 * parser: whatever the parser reads as a password is what they leave
 * out, and nothing else. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/iscsi-uri.h"
#include "transport/transport.h"

/* Every piece of the passwords below holds this, so that any piece left
 * over is found. */
#define MARK "Zq"

/* The URI parses, and its redaction parses to the same drive as the same
 * user, with no password and no piece of it. */
static void
check_same_drive(const char *uri, bool portal)
{
    struct iscsi_address a, b;
    struct err err;

    err_clear(&err);
    cr_assert_eq(iscsi_address_parse(uri, portal, &a, &err), 0, "%s: %s", uri,
                 err.msg);
    char *shown = transport_redact(uri);
    cr_assert_eq(iscsi_address_parse(shown, portal, &b, &err), 0,
                 "%s -> %s: %s", uri, shown, err.msg);
    cr_assert_str_eq(b.host, a.host, "%s -> %s", uri, shown);
    cr_assert_eq(b.port, a.port, "%s -> %s", uri, shown);
    cr_assert_str_eq(b.target, a.target, "%s -> %s", uri, shown);
    cr_assert_eq(b.lun, a.lun, "%s -> %s", uri, shown);
    cr_assert_str_eq(b.user, a.user, "%s -> %s", uri, shown);
    cr_assert_str_eq(b.initiator, a.initiator, "%s -> %s", uri, shown);
    cr_assert_str_eq(b.password, "", "%s -> %s", uri, shown);
    cr_assert_null(strstr(shown, MARK), "%s -> %s", uri, shown);

    /* Taken from a word in place: the same text. */
    char *word = strdup(uri);
    cr_assert_eq(transport_take_secrets(word), strcmp(uri, shown) != 0, "%s",
                 uri);
    cr_assert_str_eq(word, shown);
    free(word);
    free(shown);
}

Test(redact, hostile_passwords_that_broke_it_before)
{
    static const char *const uris[] = {
        "iscsi://technician%" MARK "1;" MARK "2@127.0.0.1:3260/iqn.x:y/1",
        "iscsi://technician%" MARK " " MARK "@127.0.0.1/iqn.x:y/1",
        "iscsi://technician%" MARK "'" MARK "\"" MARK "@h/iqn.x:y/0",
        "iscsi://technician%" MARK "@" MARK "@" MARK "@h:1/iqn.x:y/2",
        "iscsi://technician%" MARK "%40" MARK "@h/iqn.x:y/3",
        "iscsi://technician%" MARK "%" MARK "%@h/iqn.x:y/3",
        "iscsi://technician%" MARK ":" MARK "@[::1]:3261/iqn.x:y/4",
        "iscsi://iqn.2026-11.x:host1%" MARK "@[fe80::1]/iqn.x:y/5",
        "iscsi://tech@nician%" MARK "@h/iqn.x:y/6",
        "iscsi://technician%" MARK "\\" MARK "@h/iqn.x:y/7?initiator=iqn.i",
        "iscsi://technician%" MARK "#$`|&<>(){}*[]~!=+," MARK "@h/t/8",
        "iscsi://technician%" MARK "\t" MARK "\n" MARK "@h/t/9",
        "iscsi://technician%" MARK "/" MARK "@127.0.0.1:3260/iqn.x:y/1",
        "iscsi://technician%" MARK "?" MARK "@127.0.0.1/iqn.x:y/1",
        "iscsi://technician%" MARK "/" MARK "?initiator=iqn.e@h/iqn.x:y/1",
        "iscsi://technician%" MARK "#" MARK "/../" MARK "@h/iqn.x:y/1",
        "iscsi://technician%" MARK "/h/iqn.x:y/1@" MARK "@h/iqn.x:y/1",
        "iscsi://technician%/" MARK "?@h:3260/iqn.x:y/1?initiator=iqn.i",
        "iscsi://technician%" MARK "%2F" MARK "/%" MARK "@h/iqn.x:y/1",
        "iscsi://technician%@h/t/10",
        "iscsi://technician@h/t/11",
        "iscsi://technician%" MARK "iscsi:" MARK "@h/iqn.x:y/1",
        "iscsi://iqn.2005-03.org.open-iscsi:h1%" MARK "iscsi:" MARK
        "@h/iqn.2005-03.org.open-iscsi:t/1?initiator=iqn.2005-03.org.open-"
        "iscsi:i",
        "iscsi://h/t/12",
    };

    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++)
        check_same_drive(uris[i], false);
    check_same_drive("iscsi://technician%" MARK "@" MARK "@h:3260", true);
    check_same_drive("iscsi://technician%" MARK "@h?initiator=iqn.i", true);
    check_same_drive("iscsi://technician%" MARK "/?" MARK "@h", true);
    check_same_drive("iscsi://technician%" MARK "/" MARK "@h/", true);
}

/* What the parser reads from a URI whose password holds '/' and '?':
 * the password whole, and the host, target and LUN after its last '@'. */
Test(redact, a_password_ends_at_the_last_at)
{
    struct iscsi_address a;
    struct err err;

    err_clear(&err);
    cr_assert_eq(iscsi_address_parse("iscsi://technician%S3C/R?E@T@127.0.0.1:"
                                     "3261/iqn.x:y/3?initiator=iqn.i",
                                     false, &a, &err),
                 0, "%s", err.msg);
    cr_assert_str_eq(a.user, "technician");
    cr_assert_str_eq(a.password, "S3C/R?E@T");
    cr_assert_str_eq(a.host, "127.0.0.1");
    cr_assert_eq(a.port, 3261);
    cr_assert_str_eq(a.target, "iqn.x:y");
    cr_assert_eq(a.lun, 3);
    cr_assert_str_eq(a.initiator, "iqn.i");
}

/* A host part holding '%' is refused as such, before any lookup, and
 * what follows the '%' is not quoted: it may be a password whose '@'
 * was forgotten. */
Test(redact, a_host_holding_percent_is_refused_unquoted)
{
    static const char *const uris[] = {
        "iscsi://technician%" MARK "/iqn.x:y/1",
        "iscsi://technician%" MARK "?" MARK "/iqn.x:y/1",
        "iscsi://technician%" MARK "@h%" MARK "/iqn.x:y/1",
        "iscsi://u@h%25eth0:3260/iqn.x:y/1",
    };

    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
        struct iscsi_address a;
        struct err err;
        err_clear(&err);
        cr_assert_neq(iscsi_address_parse(uris[i], false, &a, &err), 0, "%s",
                      uris[i]);
        cr_assert_not_null(strstr(err.msg, "the host holds '%'"), "%s",
                           err.msg);
        cr_assert_null(strstr(err.msg, MARK), "%s", err.msg);
        cr_assert_null(strstr(err.msg, "eth0"), "%s", err.msg);
    }
}

/* The '@HOST' forgotten: what follows the '%' is taken out of a word and
 * a line alike, and what is left is refused as a host holding '%'. */
Test(redact, a_password_without_its_host_goes)
{
    static const struct {
        const char *text, *want;
    } texts[] = {
        { "iscsi://technician%" MARK "/" MARK "/1", "iscsi://technician%" },
        { "iscsi://technician%" MARK "?" MARK, "iscsi://technician%" },
        { "open iscsi://technician%" MARK "; get 5",
          "open iscsi://technician%" },
        { "diff iscsi://a%" MARK "/t/1 iscsi://b%" MARK "@g/t/2",
          "diff iscsi://a%iscsi://b@g/t/2" },
        { "iscsi://technician%", "iscsi://technician%" },
    };

    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char *shown = transport_redact(texts[i].text);
        cr_assert_str_eq(shown, texts[i].want);
        free(shown);
        char *word = strdup(texts[i].text);
        cr_assert_eq(transport_take_secrets(word),
                     strcmp(texts[i].text, texts[i].want) != 0, "%s",
                     texts[i].text);
        cr_assert_str_eq(word, texts[i].want);
        free(word);
    }
    struct iscsi_address a;
    struct err err;
    err_clear(&err);
    cr_assert_neq(iscsi_address_parse("iscsi://technician%", false, &a, &err),
                  0);
    cr_assert_not_null(strstr(err.msg, "'iscsi://technician': the host holds"),
                       "%s", err.msg);
}

/* An "iscsi:" inside a password (not at a word's start) ends the URI for
 * the redaction, and the parser refuses such a URI: all from the '%' to
 * the end of the word or line goes, whether an '@' comes before the
 * "iscsi:" or not, and whatever the "iscsi:" starts keeps nothing. */
Test(redact, an_iscsi_inside_a_password_goes_with_it)
{
    static const struct {
        const char *text, *want;
    } texts[] = {
        { "iscsi://u%" MARK "/iscsi:" MARK "@h/iqn.x:y/0", "iscsi://u%" },
        { "iscsi://u%" MARK "@" MARK "/iscsi:" MARK "@h/iqn.x:y/0",
          "iscsi://u%" },
        { "iscsi://u%" MARK "=iscsi:" MARK "@h/iqn.x:y/1", "iscsi://u%" },
        { "iscsi://u%iscsi:" MARK "@h/iqn.x:y/0", "iscsi://u%" },
        { "iscsi://u%" MARK "/iscsi:" MARK "/iscsi:" MARK "@h/t/0",
          "iscsi://u%" },
        { "open 'iscsi://u%" MARK "@" MARK "/iscsi:" MARK "@h/t/0'; get 5",
          "open 'iscsi://u%" },
        { "diff iscsi://u%" MARK "/ISCSI:" MARK "@h/t/0 emu:cd-atapi",
          "diff iscsi://u%" },
    };

    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char *shown = transport_redact(texts[i].text);
        cr_assert_str_eq(shown, texts[i].want, "%s", texts[i].text);
        /* Shown again, as histories and titles do: nothing changes. */
        char *again = transport_redact(shown);
        cr_assert_str_eq(again, shown);
        free(again);
        free(shown);
        char *word = strdup(texts[i].text);
        cr_assert(transport_take_secrets(word), "%s", texts[i].text);
        cr_assert_str_eq(word, texts[i].want, "%s", texts[i].text);
        free(word);
        struct iscsi_address a;
        struct err err;
        err_clear(&err);
        if (strncmp(texts[i].text, "iscsi:", 6) == 0) {
            cr_assert_neq(iscsi_address_parse(texts[i].text, false, &a, &err),
                          0, "%s", texts[i].text);
            cr_assert_null(strstr(err.msg, MARK), "%s", err.msg);
        }
    }
}

/* A second "iscsi:" would end the URI for the redaction: the parser
 * refuses it, quoting nothing, so that the two never disagree. */
Test(redact, a_second_scheme_is_refused_unquoted)
{
    static const char *const uris[] = {
        "iscsi://technician%" MARK " ISCSI://" MARK "@h/iqn.x:y/1",
        "iscsi://technician%" MARK "=iscsi:" MARK "@h/iqn.x:y/1",
    };

    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
        struct iscsi_address a;
        struct err err;
        err_clear(&err);
        cr_assert_neq(iscsi_address_parse(uris[i], false, &a, &err), 0, "%s",
                      uris[i]);
        cr_assert_null(strstr(err.msg, MARK), "%s", err.msg);
    }
}

/* Random URIs built from the pieces a URI has, with passwords of every
 * byte the parser lets a password hold: each parses, and redacts to
 * exactly "iscsi://USER@HOST..." */
Test(redact, random_passwords_of_every_byte)
{
    static const char *const hosts[] = { "127.0.0.1", "127.0.0.1:3260", "[::1]",
                                         "[::1]:860", "tgt.invalid" };
    static const char *const users[] = { "technician", "a", "o'brien", "u@v",
                                         "iqn.2005-03.org.open-iscsi:host1" };
    unsigned seed = 19;

    for (int round = 0; round < 5000; round++) {
        char password[64];
        size_t n = 0;
        int len = 1 + rand_r(&seed) % 40;
        for (int i = 0; i < len && n + 3 < sizeof password; i++) {
            /* Any byte but NUL, '/', '?' and '@' more often than the
             * rest, and the mark now and then. */
            int c = 1 + rand_r(&seed) % 255;
            if (rand_r(&seed) % 5 == 0) {
                memcpy(password + n, MARK, 2);
                n += 2;
            } else if (rand_r(&seed) % 5 == 0) {
                password[n++] = "/?@%#"[rand_r(&seed) % 5];
            } else {
                password[n++] = (char)c;
            }
        }
        memcpy(password + n, MARK, 3); /* with its NUL */
        const char *user = users[rand_r(&seed) % 5];
        const char *host = hosts[rand_r(&seed) % 5];
        char uri[512], want[512];
        snprintf(uri, sizeof uri, "iscsi://%s%%%s@%s/iqn.2026-11.x:t/%d", user,
                 password, host, round % 100);
        snprintf(want, sizeof want, "iscsi://%s@%s/iqn.2026-11.x:t/%d", user,
                 host, round % 100);
        check_same_drive(uri, false);
        char *shown = transport_redact(uri);
        cr_assert_str_eq(shown, want);
        free(shown);
    }
}

/* Random strings the parser accepts, whatever they look like: their
 * redaction parses to the same drive. */
Test(redact, whatever_the_parser_accepts)
{
    static const char alphabet[] = "iscq:/@%?[]1. ;'\"=\\#";
    unsigned seed = 7;
    int accepted = 0;

    for (int round = 0; round < 200000; round++) {
        char uri[64] = "iscsi://";
        size_t n = 8;
        int len = rand_r(&seed) % 40;
        for (int i = 0; i < len; i++)
            uri[n++] = alphabet[rand_r(&seed) % (sizeof alphabet - 1)];
        uri[n] = '\0';
        for (int portal = 0; portal < 2; portal++) {
            struct iscsi_address a;
            struct err err;
            err_clear(&err);
            if (iscsi_address_parse(uri, portal, &a, &err) != 0)
                continue;
            accepted++;
            check_same_drive(uri, portal);
        }
    }
    cr_assert_gt(accepted, 1000, "too few URIs parsed to mean anything");
}

/* URIs the parser refuses are quoted in its errors: redacted too. */
Test(redact, refused_uris_are_quoted_without_the_password)
{
    static const char *const uris[] = {
        "iscsi://u%" MARK "@127.0.0.1:99999/iqn.x/0",
        "iscsi://u%" MARK "@h/iqn.x",
        "iscsi://u%" MARK "@[::1/iqn.x/0",
        "iscsi://u%" MARK "@h/iqn.x/0?fault=x",
        "iscsi:u%" MARK "@h/iqn.x/0",
        "ISCSI://u%" MARK "@h/iqn.x/0",
        "iscsi:///u%" MARK "@h/iqn.x/0",
    };

    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
        struct iscsi_address a;
        struct err err;
        err_clear(&err);
        if (iscsi_address_parse(uris[i], false, &a, &err) == 0)
            err_clear(&err);
        cr_assert_null(strstr(err.msg, MARK), "%s", err.msg);
        err_clear(&err);
        transport_check_name(uris[i], &err);
        cr_assert(err.msg[0] != '\0', "%s was not refused", uris[i]);
        cr_assert_null(strstr(err.msg, MARK), "%s", err.msg);
        if (strstr(err.msg, "'iscsi:") != NULL ||
            strstr(err.msg, "'ISCSI:") != NULL)
            cr_assert_not_null(strstr(err.msg, "u@"),
                               "%s: the user is not named", err.msg);
    }
}

/* Lines of commands, as histories keep them: every URI in them, quoted
 * or not, loses its password. */
Test(redact, lines_of_commands)
{
    static const struct {
        const char *line, *want;
    } lines[] = {
        { "open 'iscsi://technician%" MARK "'\\''x" MARK "@h:3260/t/1'; get 5",
          "open 'iscsi://technician@h:3260/t/1'; get 5" },
        { "diff \"iscsi://a%" MARK " " MARK "@h/t/1\" iscsi://b%" MARK "@g/t/2",
          "diff \"iscsi://a@h/t/1\" iscsi://b@g/t/2" },
        { "list iscsi://a%" MARK "@h; list iscsi://b%" MARK "@g",
          "list iscsi://a@h; list iscsi://b@g" },
        { "replay j --drive=iscsi://a%" MARK "@h/t/1",
          "replay j --drive=iscsi://a@h/t/1" },
        { "set emu:dvd-writer 5 WR_T=TAO", "set emu:dvd-writer 5 WR_T=TAO" },
        { "get https://u%" MARK "@example.invalid/x",
          "get https://u@example.invalid/x" },
    };

    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        char *shown = transport_redact(lines[i].line);
        cr_assert_str_eq(shown, lines[i].want);
        free(shown);
    }
}

/* Target names a portal gives: only iSCSI names (RFC 3720 3.2.6) are
 * listed, up to 223 bytes, not one more. */
Test(redact, iscsi_names_a_portal_gives)
{
    static const char *const good[] = {
        "iqn.2026-11.invalid.modecon:cd",
        "iqn.2000-01.com.synology:DiskStation.Target-1.abc",
        "eui.02004567A425678D",
        "eui.02004567a425678d",
        "naa.52004567BA64678D",
        "naa.62004567BA64678D0123456789ABCDEF",
    };
    static const char *const bad[] = {
        "iqn.2026-11.invalid.modecon:cd/1?initiator=iqn.evil",
        "iqn.a:b%40x@y",
        "iqn.a:b@x",
        "iqn.a:b x",
        "iqn.a:b\x1b]0;X\x07",
        "iqn.a:b_x",
        "iqn.a:caf\xc3\xa9",
        "iqn.",
        "",
        "IQN.a:b",
        "x.2026-11.invalid:t",
        "eui.02004567A425678",
        "eui.02004567A425678D0",
        "eui.02004567A425678G",
        "naa.52004567BA64678D0",
        "naa.62004567BA64678D0123456789ABCDEF0",
    };
    char name[300];

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_assert(iscsi_name_valid(good[i]), "%s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(iscsi_name_valid(bad[i]), "%s", bad[i]);
    memset(name, 'a', sizeof name);
    memcpy(name, "iqn.", 4);
    name[223] = '\0';
    cr_assert(iscsi_name_valid(name), "223 bytes");
    name[223] = 'a';
    name[224] = '\0';
    cr_assert_not(iscsi_name_valid(name), "224 bytes");
}
