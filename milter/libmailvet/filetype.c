/* filetype.c - classes of file types, from three sides: the name's extension, the
 * declared MIME type and libclamav's detected type.  A claim that is unknown (no
 * extension, application/octet-stream, CL_TYPE_BINARY_DATA) never makes a mismatch;
 * textual classes (text, HTML, script, mail) are one family, because a .txt holding
 * HTML is ordinary and no lure. */
#include <string.h>

#include <glib.h>

#include "filetype.h"

enum class {
    C_UNKNOWN = 0,
    C_TEXT, /* text, HTML, scripts, mail: one family */
    C_EXE,
    C_ELF,
    C_MACHO,
    C_PDF,
    C_ZIP, /* zip and the OOXML / ODF formats built on it */
    C_OLE2,
    C_RTF,
    C_RAR,
    C_7Z,
    C_GZ,
    C_BZ,
    C_XZ,
    C_TAR,
    C_ISO,
    C_CAB,
    C_ARJ,
    C_CHM,
    C_LNK,
    C_IMAGE,
};

static const struct {
    const char *type;
    enum class cls;
} detected_classes[] = {
    {"CL_TYPE_TEXT_ASCII", C_TEXT},
    {"CL_TYPE_TEXT_UTF8", C_TEXT},
    {"CL_TYPE_TEXT_UTF16LE", C_TEXT},
    {"CL_TYPE_TEXT_UTF16BE", C_TEXT},
    {"CL_TYPE_HTML", C_TEXT},
    {"CL_TYPE_HTML_UTF16", C_TEXT},
    {"CL_TYPE_SCRIPT", C_TEXT},
    {"CL_TYPE_MAIL", C_TEXT},
    {"CL_TYPE_MHTML", C_TEXT},
    {"CL_TYPE_MSEXE", C_EXE},
    {"CL_TYPE_ELF", C_ELF},
    {"CL_TYPE_MACHO", C_MACHO},
    {"CL_TYPE_MACHO_UNIBIN", C_MACHO},
    {"CL_TYPE_PDF", C_PDF},
    {"CL_TYPE_ZIP", C_ZIP},
    {"CL_TYPE_OOXML_WORD", C_ZIP},
    {"CL_TYPE_OOXML_XL", C_ZIP},
    {"CL_TYPE_OOXML_PPT", C_ZIP},
    {"CL_TYPE_OOXML_HWP", C_ZIP},
    {"CL_TYPE_MSOLE2", C_OLE2},
    {"CL_TYPE_MSWORD", C_OLE2},
    {"CL_TYPE_MSXL", C_OLE2},
    {"CL_TYPE_MSPPT", C_OLE2},
    {"CL_TYPE_HWPOLE2", C_OLE2},
    {"CL_TYPE_RTF", C_RTF},
    {"CL_TYPE_RAR", C_RAR},
    {"CL_TYPE_7Z", C_7Z},
    {"CL_TYPE_GZ", C_GZ},
    {"CL_TYPE_BZ", C_BZ},
    {"CL_TYPE_XZ", C_XZ},
    {"CL_TYPE_POSIX_TAR", C_TAR},
    {"CL_TYPE_OLD_TAR", C_TAR},
    {"CL_TYPE_ISO9660", C_ISO},
    {"CL_TYPE_UDF", C_ISO},
    {"CL_TYPE_MSCAB", C_CAB},
    {"CL_TYPE_ARJ", C_ARJ},
    {"CL_TYPE_MSCHM", C_CHM},
    {"CL_TYPE_LNK", C_LNK},
    {"CL_TYPE_GRAPHICS", C_IMAGE},
    {"CL_TYPE_GIF", C_IMAGE},
    {"CL_TYPE_PNG", C_IMAGE},
    {"CL_TYPE_JPEG", C_IMAGE},
    {"CL_TYPE_TIFF", C_IMAGE},
};

static const struct {
    const char *ext;
    enum class cls;
} extension_classes[] = {
    {"txt", C_TEXT},  {"csv", C_TEXT},   {"log", C_TEXT},  {"htm", C_TEXT},   {"html", C_TEXT},
    {"xml", C_TEXT},  {"json", C_TEXT},  {"eml", C_TEXT},  {"ics", C_TEXT},   {"vcf", C_TEXT},
    {"js", C_TEXT},   {"vbs", C_TEXT},   {"ps1", C_TEXT},  {"bat", C_TEXT},   {"cmd", C_TEXT},
    {"hta", C_TEXT},  {"wsf", C_TEXT},   {"exe", C_EXE},   {"dll", C_EXE},    {"scr", C_EXE},
    {"com", C_EXE},   {"pif", C_EXE},    {"cpl", C_EXE},   {"sys", C_EXE},    {"ocx", C_EXE},
    {"pdf", C_PDF},   {"zip", C_ZIP},    {"jar", C_ZIP},   {"apk", C_ZIP},    {"docx", C_ZIP},
    {"docm", C_ZIP},  {"dotx", C_ZIP},   {"dotm", C_ZIP},  {"xlsx", C_ZIP},   {"xlsm", C_ZIP},
    {"xltx", C_ZIP},  {"xltm", C_ZIP},   {"pptx", C_ZIP},  {"pptm", C_ZIP},   {"ppsx", C_ZIP},
    {"ppam", C_ZIP},  {"xlam", C_ZIP},   {"odt", C_ZIP},   {"ods", C_ZIP},    {"odp", C_ZIP},
    {"doc", C_OLE2},  {"dot", C_OLE2},   {"xls", C_OLE2},  {"xlt", C_OLE2},   {"ppt", C_OLE2},
    {"pps", C_OLE2},  {"msi", C_OLE2},   {"msg", C_OLE2},  {"pub", C_OLE2},   {"vsd", C_OLE2},
    {"rtf", C_RTF},   {"rar", C_RAR},    {"7z", C_7Z},     {"gz", C_GZ},      {"tgz", C_GZ},
    {"bz2", C_BZ},    {"tbz", C_BZ},     {"xz", C_XZ},     {"txz", C_XZ},     {"tar", C_TAR},
    {"iso", C_ISO},   {"cab", C_CAB},    {"arj", C_ARJ},   {"chm", C_CHM},    {"lnk", C_LNK},
    {"jpg", C_IMAGE}, {"jpeg", C_IMAGE}, {"png", C_IMAGE}, {"gif", C_IMAGE},  {"bmp", C_IMAGE},
    {"tif", C_IMAGE}, {"tiff", C_IMAGE}, {"ico", C_IMAGE}, {"webp", C_IMAGE},
};

static const struct {
    const char *mime;
    enum class cls;
} mime_classes[] = {
    {"text/plain", C_TEXT},
    {"text/html", C_TEXT},
    {"text/csv", C_TEXT},
    {"application/pdf", C_PDF},
    {"application/zip", C_ZIP},
    {"application/x-zip-compressed", C_ZIP},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", C_ZIP},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", C_ZIP},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation", C_ZIP},
    {"application/msword", C_OLE2},
    {"application/vnd.ms-excel", C_OLE2},
    {"application/vnd.ms-powerpoint", C_OLE2},
    {"application/rtf", C_RTF},
    {"text/rtf", C_RTF},
    {"application/x-rar-compressed", C_RAR},
    {"application/vnd.rar", C_RAR},
    {"application/x-7z-compressed", C_7Z},
    {"application/gzip", C_GZ},
    {"application/x-gzip", C_GZ},
    {"application/x-iso9660-image", C_ISO},
    {"application/x-msdownload", C_EXE},
    {"application/x-msdos-program", C_EXE},
    {"application/vnd.microsoft.portable-executable", C_EXE},
    {"image/jpeg", C_IMAGE},
    {"image/png", C_IMAGE},
    {"image/gif", C_IMAGE},
};

/* class_of_detected - libclamav's type name to a class */
static enum class class_of_detected(const char *type) {
    for (size_t i = 0; type != NULL && i < G_N_ELEMENTS(detected_classes);
         i++) if (strcmp(detected_classes[i].type, type) == 0) return detected_classes[i]
        .cls;
    return C_UNKNOWN;
}

/* class_of_name - the last extension of NAME, ignoring the trailing dots and spaces
 * Windows ignores too ("invoice.pdf. " opens as a .pdf) */
static enum class class_of_name(const char *name) {
    const char *dot, *end; char ext[16]; size_t n;

    if (name == NULL) return C_UNKNOWN;
    end = name + strlen(name);
    while (end > name && (end[-1] == '.' || end[-1] == ' ')) end--;
    for (dot = end; dot > name && dot[-1] != '.' && dot[-1] != '/' && dot[-1] != '\\'; dot--);
    if (dot == name || dot[-1] != '.') return C_UNKNOWN;
    n = (size_t)(end - dot);
    if (n == 0 || n >= sizeof(ext)) return C_UNKNOWN;
    for (size_t i = 0; i < n; i++) ext[i] = g_ascii_tolower(dot[i]);
    ext[n] = '\0';
    for (size_t i = 0; i < G_N_ELEMENTS(extension_classes);
         i++) if (strcmp(extension_classes[i].ext, ext) == 0) return extension_classes[i]
        .cls;
    return C_UNKNOWN;
}

/* class_of_mime - a declared "type/subtype" to a class */
static enum class class_of_mime(const char *mime) {
    for (size_t i = 0; mime != NULL && i < G_N_ELEMENTS(mime_classes);
         i++) if (g_ascii_strcasecmp(mime_classes[i].mime, mime) == 0) return mime_classes[i]
        .cls;
    return C_UNKNOWN;
}

/* filetype_mismatch - a known claim of one class, a known detection of another */
bool filetype_mismatch(const char *name, const char *declared, const char *detected)
{
    enum class got = class_of_detected(detected);
    enum class by_name = class_of_name(name);
    enum class by_mime = class_of_mime(declared);

    if (got == C_UNKNOWN)
        return false;
    return (by_name != C_UNKNOWN && by_name != got) || (by_mime != C_UNKNOWN && by_mime != got);
}

/* lzma_alone - the dictionary size and the uncompressed size of an LZMA-alone header */
static bool lzma_alone(const unsigned char *d)
{
    guint32 dict = (guint32)d[1] | (guint32)d[2] << 8 | (guint32)d[3] << 16 | (guint32)d[4] << 24;
    bool unknown = true;

    if (dict < (1u << 16) || dict > (1u << 30) || (dict & (dict - 1)) != 0)
        return false;
    for (int i = 5; i < 13; i++)
        unknown &= d[i] == 0xff;
    return unknown || (d[10] == 0 && d[11] == 0 && d[12] == 0);
}

/* filetype_unsupported - magic bytes of containers and compressors libclamav does
 * not open */
const char *filetype_unsupported(const unsigned char *data, size_t len)
{
    /* ACE: the main header's signature "**ACE**" at offset 7 */
    if (len >= 14 && memcmp(data + 7, "**ACE**", 7) == 0)
        return "MV_TYPE_ACE";
    /* VHD (dynamic or differencing): the footer copy "conectix" at offset 0 */
    if (len >= 8 && memcmp(data, "conectix", 8) == 0)
        return "MV_TYPE_VHD";
    if (len >= 8 && memcmp(data, "vhdxfile", 8) == 0)
        return "MV_TYPE_VHDX";
    /* compressors libclamav does not decompress: zstd, LZ4 frame, lzip */
    if (len >= 4 && memcmp(data, "\x28\xb5\x2f\xfd", 4) == 0)
        return "MV_TYPE_ZSTD";
    if (len >= 4 && memcmp(data, "\x04\x22\x4d\x18", 4) == 0)
        return "MV_TYPE_LZ4";
    if (len >= 5 && memcmp(data, "LZIP", 4) == 0 && data[4] == 1)
        return "MV_TYPE_LZIP";
    /* LHA/LZH: the method "-lh?-" or "-lz?-" at offset 2 and a header level 0 to 3 at
     * offset 20, in every header level */
    if (len >= 22 && data[2] == '-' && data[3] == 'l' && (data[4] == 'h' || data[4] == 'z') &&
        data[6] == '-' && data[20] <= 3)
        return "MV_TYPE_LHA";
    /* compress(1), ".Z": 1F 9D, then 9 to 16 maximum code bits and no unknown flag */
    if (len >= 3 && data[0] == 0x1f && data[1] == 0x9d && (data[2] & 0x60) == 0 &&
        (data[2] & 0x1f) >= 9 && (data[2] & 0x1f) <= 16)
        return "MV_TYPE_COMPRESS";
    /* Unix ar (static libraries, Debian packages) */
    if (len >= 8 && memcmp(data, "!<arch>\n", 8) == 0)
        return "MV_TYPE_AR";
    /* lzop, which nothing here reads (libarchive would run the lzop program) */
    if (len >= 9 && memcmp(data, "\x89LZO\0\r\n\x1a\n", 9) == 0)
        return "MV_TYPE_LZOP";
    /* .lzma (LZMA alone): the usual properties byte 0x5d, a power-of-two dictionary of
     * 64 KiB to 1 GiB and an uncompressed size that is unknown (all ones) or below 2^40 */
    if (len >= 13 && data[0] == 0x5d && lzma_alone(data))
        return "MV_TYPE_LZMA";
    /* Windows imaging format */
    if (len >= 8 && memcmp(data, "MSWIM\0\0\0", 8) == 0)
        return "MV_TYPE_WIM";
    return NULL;
}
