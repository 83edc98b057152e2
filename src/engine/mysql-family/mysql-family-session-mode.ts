/**
 * The sql_mode of every MySQL-family session (apart from the driver, so the row SQL that prints
 * it in repair scripts does not load mysql2). Fixed so every server computes the same text for
 * the same row: no ANSI_QUOTES (identifiers are backtick-quoted), no NO_BACKSLASH_ESCAPES (mysql2
 * escapes bound strings with backslashes), no PAD_CHAR_TO_FULL_LENGTH / EMPTY_STRING_IS_NULL /
 * ORACLE (they change what CHAR and CONCAT yield). NO_AUTO_VALUE_ON_ZERO for repair's writes:
 * without it a row whose AUTO_INCREMENT key is 0 is written under the next free id instead (as
 * mysqldump also sets it).
 */
export const SESSION_SQL_MODE = 'NO_ENGINE_SUBSTITUTION,STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO';
