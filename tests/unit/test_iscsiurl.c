/* The iSCSI URI parser: what it reads from a URI, and the message that
 * names what is wrong with one it refuses. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/iscsi-uri.h"

Test(iscsiurl, a_lun_with_chap_and_initiator)
{
    struct iscsi_address a;
    struct err err;

    err_clear(&err);
    cr_assert_eq(iscsi_address_parse("iscsi://u%pw@[::1]:3261/iqn.2026-11.x%"
                                     "3At/16383?initiator=iqn.i%3Aj",
                                     false, &a, &err),
                 0, "%s", err.msg);
    cr_assert_str_eq(a.user, "u");
    cr_assert_str_eq(a.password, "pw");
    cr_assert_str_eq(a.host, "[::1]");
    cr_assert_eq(a.port, 3261);
    cr_assert_str_eq(a.target, "iqn.2026-11.x:t");
    cr_assert_eq(a.lun, 16383);
    cr_assert_str_eq(a.initiator, "iqn.i:j");
}

/* A drive's name keeps the initiator its URI gave, and never the password:
 * a URI copied from 'list' logs in as the same initiator, which a target's
 * access list may require. */
Test(iscsiurl, the_name_keeps_the_initiator_given)
{
    struct iscsi_address a;
    struct err err;
    char name[512];

    err_clear(&err);
    cr_assert_eq(iscsi_address_parse("iscsi://u%pw@h:3261/iqn.x:t/2"
                                     "?initiator=iqn.i%3Aj",
                                     false, &a, &err),
                 0, "%s", err.msg);
    iscsi_address_name(&a, name, sizeof name);
    cr_assert_str_eq(name, "iscsi://u@h:3261/iqn.x:t/2?initiator=iqn.i:j");
    struct iscsi_address b;
    cr_assert_eq(iscsi_address_parse(name, false, &b, &err), 0, "%s", err.msg);
    cr_assert_str_eq(b.initiator, "iqn.i:j");

    setenv("MODECON_ISCSI_INITIATOR", "iqn.from.env", 1);
    cr_assert_eq(iscsi_address_parse("iscsi://h/iqn.x:t/2", false, &a, &err), 0,
                 "%s", err.msg);
    unsetenv("MODECON_ISCSI_INITIATOR");
    cr_assert_str_eq(a.initiator, "iqn.from.env");
    iscsi_address_name(&a, name, sizeof name);
    cr_assert_str_eq(name, "iscsi://h:3260/iqn.x:t/2");
}

Test(iscsiurl, a_plain_lun_and_portals)
{
    struct iscsi_address a;
    struct err err;

    err_clear(&err);
    cr_assert_eq(iscsi_address_parse("iscsi://h/iqn.x:y/0", false, &a, &err), 0,
                 "%s", err.msg);
    cr_assert_str_eq(a.host, "h");
    cr_assert_eq(a.port, 3260);
    cr_assert_str_eq(a.target, "iqn.x:y");
    cr_assert_eq(a.lun, 0);
    cr_assert_str_eq(a.user, "");
    cr_assert_str_eq(a.password, "");
    static const char *const portals[] = { "iscsi://h", "iscsi://h/",
                                           "iscsi://h:860?initiator=iqn.i",
                                           "iscsi://u%p@h:860/" };
    for (size_t i = 0; i < sizeof portals / sizeof portals[0]; i++) {
        cr_assert_eq(iscsi_address_parse(portals[i], true, &a, &err), 0,
                     "%s: %s", portals[i], err.msg);
        cr_assert_str_eq(a.host, "h");
        cr_assert_str_eq(a.target, "");
    }
    /* A portal parser given a whole LUN reads it whole. */
    cr_assert_eq(iscsi_address_parse("iscsi://h:1/iqn.x:y/5", true, &a, &err),
                 0);
    cr_assert_eq(a.port, 1);
    cr_assert_str_eq(a.target, "iqn.x:y");
    cr_assert_eq(a.lun, 5);
}

/* Leading zeros are only zeros: "0016383" is LUN 16383, as it always was. */
Test(iscsiurl, a_lun_with_leading_zeros)
{
    static const struct {
        const char *uri;
        int lun;
    } rows[] = {
        { "iscsi://h/iqn.x/000001", 1 },
        { "iscsi://h/iqn.x/0016383", 16383 },
        { "iscsi://h/iqn.x/00000", 0 },
    };

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct iscsi_address a;
        struct err err;
        err_clear(&err);
        cr_assert_eq(iscsi_address_parse(rows[i].uri, false, &a, &err), 0,
                     "%s: %s", rows[i].uri, err.msg);
        cr_assert_eq(a.lun, rows[i].lun, "%s", rows[i].uri);
    }
}

Test(iscsiurl, refusals_say_what_is_wrong)
{
    static const struct {
        const char *uri;
        bool portal;
        const char *why;
    } rows[] = {
        { "http://h/t/1", false, "it does not start with iscsi://" },
        { "iscsi://h", false, "the target and LUN are missing" },
        { "iscsi://h/", false, "the target and LUN are missing" },
        { "iscsi://h/?initiator=iqn.i", false,
          "the target and LUN are missing" },
        { "iscsi://h/iqn.x", false, "the LUN is missing after the target" },
        { "iscsi://h/iqn.x?initiator=iqn.i", false,
          "the LUN is missing after the target" },
        { "iscsi://h//3", false, "the LUN is missing after the target" },
        { "iscsi://h/iqn.x/", false, "the LUN is not a number 0 to 16383" },
        { "iscsi://h/iqn.x/abc", false, "the LUN is not a number 0 to 16383" },
        { "iscsi://h/iqn.x/3a", false, "the LUN is not a number 0 to 16383" },
        { "iscsi://h/iqn.x/-1", false, "the LUN is not a number 0 to 16383" },
        { "iscsi://h/iqn.x/16384", false,
          "the LUN is not a number 0 to 16383" },
        { "iscsi://h/iqn%zz/1", false, "the target name is not valid" },
        { "iscsi://h/iqn%00/1", false, "the target name is not valid" },
        { "iscsi://h/iqn%4/1", false, "the target name is not valid" },
        { "iscsi://h:0/t/1", false, "the port is not 1 to 65535" },
        { "iscsi://h:/t/1", false, "the port is not 1 to 65535" },
        { "iscsi://h:65536/t/1", false, "the port is not 1 to 65535" },
        { "iscsi://h:12x/t/1", false, "the port is not 1 to 65535" },
        { "iscsi://:3260/t/1", false, "the host is missing" },
        { "iscsi:///t/1", false, "the host is missing" },
        { "iscsi://", true, "the host is missing" },
        { "iscsi://[::1/t/1", false, "an IPv6 address lacks its ']'" },
        { "iscsi://[::1]x/t/1", false, "junk after the IPv6 address" },
        { "iscsi://@h/t/1", false, "the CHAP user name is empty" },
        { "iscsi://%pw@h/t/1", false, "the CHAP user name is empty" },
        { "iscsi://h/t/1?fault=x", false, "the only parameter is" },
        { "iscsi://h?initiator=a&b", true, "the only parameter is" },
        { "iscsi://h/t/1?initiator=", false,
          "the initiator name is empty or long" },
        { "iscsi://h%eth0/t/1", false, "the host holds '%'" },
        { "iscsi://h/t/1?initiator=iqn.a%6i", false,
          "the initiator name is empty or long" },
        { "iscsi://h/t/1?initiator=host1", false,
          "the initiator is not an iSCSI name" },
        /* Found by fuzz.iscsiurl: "://" in the initiator read as a second
         * URI by the redaction, which cut the name. */
        { "iscsi://an%SbC?E@.3?initiator=://%6i1qn,i", true,
          "the initiator name is empty or long" },
        { "iscsi://u%pw@h?initiator=iqn.x://y", true,
          "the initiator is not an iSCSI name" },
        /* What libiscsi would take, and modecon does not. */
        { "iscsi://h/iqn.x/4294967299", false,
          "the LUN is not a number 0 to 16383" },
        { "iscsi://h/iqn.x/0004294967299", false,
          "the LUN is not a number 0 to 16383" },
        { "iscsi://h/iqn.x/016384", false,
          "the LUN is not a number 0 to 16383" },
        { "iscsi://h/iqn.x/a/1", false,
          "more than /TARGET-IQN/LUN follows the host" },
        { "iscsi://h/iqn.x/1?header_digest", false, "the only parameter is" },
        { "iscsi://h/iqn.x/1?target_password=x", false,
          "the only parameter is" },
    };

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct iscsi_address a;
        struct err err;
        err_clear(&err);
        cr_assert_eq(iscsi_address_parse(rows[i].uri, rows[i].portal, &a, &err),
                     -1, "%s was accepted", rows[i].uri);
        cr_assert(err.usage);
        cr_assert_not_null(strstr(err.msg, rows[i].why), "%s: %s", rows[i].uri,
                           err.msg);
    }
}

Test(iscsiurl, a_refusal_quotes_the_uri_without_its_password)
{
    struct iscsi_address a;
    struct err err;

    err_clear(&err);
    cr_assert_eq(
        iscsi_address_parse("iscsi://u%s3cret@h:3260/iqn.x", false, &a, &err),
        -1);
    cr_assert_str_eq(err.msg, "'iscsi://u@h:3260/iqn.x': the LUN is missing "
                              "after the target; expected "
                              "iscsi://[USER@]HOST[:PORT]/TARGET-IQN/LUN");
}

Test(iscsiurl, names_of_the_longest_lengths)
{
    /* A target name of 223 bytes, RFC 7143 6.1's most, parses; one of 224
     * does not. */
    char name[260], uri[300];
    struct iscsi_address a;
    struct err err;

    memset(name, 'n', sizeof name);
    memcpy(name, "iqn.x:", 6);
    name[223] = '\0';
    snprintf(uri, sizeof uri, "iscsi://h/%s/1", name);
    err_clear(&err);
    cr_assert_eq(iscsi_address_parse(uri, false, &a, &err), 0, "%s", err.msg);
    cr_assert_str_eq(a.target, name);
    name[223] = 'n';
    name[224] = '\0';
    snprintf(uri, sizeof uri, "iscsi://h/%s/1", name);
    cr_assert_eq(iscsi_address_parse(uri, false, &a, &err), -1);
    cr_assert_not_null(strstr(err.msg, "the target name is not valid"), "%s",
                       err.msg);
}

Test(iscsiurl, libiscsis_limit_is_said_not_cut)
{
    /* libiscsi reads 254 bytes after "iscsi://" and would cut the rest. */
    char host[201], target[101], uri[400];
    struct iscsi_address a;
    struct err err;

    memset(host, 'h', sizeof host - 1);
    host[sizeof host - 1] = '\0';
    memset(target, 't', sizeof target - 1);
    target[sizeof target - 1] = '\0';
    snprintf(uri, sizeof uri, "iscsi://u%%pw@%s/%s/1?initiator=iqn.i", host,
             target);
    err_clear(&err);
    cr_assert_eq(iscsi_address_parse(uri, false, &a, &err), -1);
    cr_assert_not_null(
        strstr(err.msg, "the host, target and LUN are longer than 254 bytes"),
        "%s", err.msg);
    cr_assert_null(strstr(err.msg, "pw"), "%s", err.msg);
    /* 254 bytes to the query, user information not counted, parse. */
    target[254 - 200 - 3] = '\0';
    snprintf(uri, sizeof uri, "iscsi://u%%pw@%s/%s/1?initiator=iqn.i", host,
             target);
    cr_assert_eq(iscsi_address_parse(uri, false, &a, &err), 0, "%s", err.msg);
    cr_assert_str_eq(a.target, target);
    cr_assert_eq(a.lun, 1);
    target[254 - 200 - 3] = 't';
    target[255 - 200 - 3] = '\0';
    snprintf(uri, sizeof uri, "iscsi://%s/%s/1", host, target);
    cr_assert_eq(iscsi_address_parse(uri, false, &a, &err), -1);
}

Test(iscsiurl, libiscsis_chap_variables_are_not_read)
{
    /* libiscsi's parser takes CHAP credentials from its own variables;
     * modecon's come from the URI, a file or a prompt. */
    struct iscsi_address a;
    struct err err;

    setenv("LIBISCSI_CHAP_USERNAME", "intruder", 1);
    setenv("LIBISCSI_CHAP_PASSWORD", "s3cret", 1);
    err_clear(&err);
    cr_assert_eq(iscsi_address_parse("iscsi://h/iqn.x:y/1", false, &a, &err),
                 0);
    cr_assert_str_eq(a.user, "");
    cr_assert_str_eq(a.password, "");
    unsetenv("LIBISCSI_CHAP_USERNAME");
    unsetenv("LIBISCSI_CHAP_PASSWORD");
}
