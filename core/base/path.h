/* Lexical path handling, no file system access. */
#ifndef SCR_PATH_H
#define SCR_PATH_H

/*
 * Absolute, normalised form of name: relative names are taken from base
 * (an absolute directory); "//", "." and ".." are folded ("/.." stays "/").
 * malloc'd, NULL when out of memory or when name is empty.
 */
char *scr_path_absolute(const char *base, const char *name);

/*
 * The part of abs_path below dir (both absolute and normalised), e.g.
 * ("/p/ckpt/a", "/p") -> "ckpt/a"; NULL when abs_path is not strictly below dir.
 * malloc'd.
 */
char *scr_path_below(const char *abs_path, const char *dir);

#endif
