/*
 * $metadata: the CSDL XML document (OData 4.0) of a model, written with libxml2's xmlTextWriter straight
 * into the bounded buffer.
 */
#include <string.h>
#include <libxml/parser.h>
#include <libxml/xmlwriter.h>
#include "odata/internal.h"

#define NS_EDMX "http://docs.oasis-open.org/odata/ns/edmx"
#define NS_EDM "http://docs.oasis-open.org/odata/ns/edm"
#define CORE_URI "https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml"
#define CAPABILITIES_URI "https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Capabilities.V1.xml"
#define CORE_NAMESPACE "Org.OData.Core.V1"
#define CORE_ALIAS "Core"

typedef struct st_sink_t {
    odata_buf_t *out;
    odata_err_t err;
} sink_t;

/* A failed append is remembered and reported once the writer is done, so that libxml2's own error
 * handling (which prints) never runs; the rest of the document is dropped. */
static int sink_write(void *ctx, const char *p, int n)
{
    sink_t *sink = ctx;
    if (sink->err == ODATA_OK && n > 0)
        sink->err = odata_buf_append(sink->out, p, (size_t)n);
    return n;
}

static int sink_close(void *ctx)
{
    return 0;
}

static int is_xml_char(int32_t cp)
{
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp != 0xFFFE && cp != 0xFFFF);
}

/*
 * Copies s into tmp as text XML 1.0 can carry: ill-formed UTF-8 and characters XML does not allow
 * (most control characters, U+FFFE, U+FFFF) become U+FFFD. Returns the NUL-terminated text in tmp.
 */
static odata_err_t xml_text(odata_buf_t *tmp, const char *s, const xmlChar **text)
{
    size_t len = strlen(s), run = 0, i = 0;
    odata_err_t result;

    odata_buf_reset(tmp);
    while (i < len) {
        int32_t cp;
        size_t used = odata__utf8_next(s + i, len - i, &cp);
        if (cp >= 0 && is_xml_char(cp)) {
            i += used;
            continue;
        }
        if ((result = odata_buf_append(tmp, s + run, i - run)) || (result = odata_buf_append(tmp, ODATA__REPLACEMENT, 3)))
            return result;
        i += used;
        run = i;
    }
    if ((result = odata_buf_append(tmp, s + run, i - run)))
        return result;
    *text = (const xmlChar *)tmp->base;
    return ODATA_OK;
}

#define X(s) ((const xmlChar *)(s))

static int write_property(xmlTextWriterPtr w, const odata_property_t *prop, odata_buf_t *tmp, odata_err_t *err)
{
    const xmlChar *label;

    if (xmlTextWriterStartElement(w, X("Property")) < 0 || xmlTextWriterWriteAttribute(w, X("Name"), X(prop->name)) < 0 ||
        xmlTextWriterWriteAttribute(w, X("Type"), X(odata_type_name(prop->type))) < 0)
        return -1;
    if (!prop->nullable && xmlTextWriterWriteAttribute(w, X("Nullable"), X("false")) < 0)
        return -1;
    /* the facets promise what odata_json_value writes: milliseconds, and decimals of any scale (CSDL's default is 0) */
    if (prop->type == ODATA_TYPE_DATETIMEOFFSET && xmlTextWriterWriteAttribute(w, X("Precision"), X("3")) < 0)
        return -1;
    if (prop->type == ODATA_TYPE_DECIMAL && xmlTextWriterWriteAttribute(w, X("Scale"), X("variable")) < 0)
        return -1;
    if (prop->label != NULL && prop->label[0] != '\0') {
        if ((*err = xml_text(tmp, prop->label, &label)))
            return -1;
        if (xmlTextWriterStartElement(w, X("Annotation")) < 0 ||
            xmlTextWriterWriteAttribute(w, X("Term"), X(CORE_ALIAS ".Description")) < 0 ||
            xmlTextWriterWriteAttribute(w, X("String"), label) < 0 || xmlTextWriterEndElement(w) < 0)
            return -1;
    }
    return xmlTextWriterEndElement(w);
}

static int write_entity_type(xmlTextWriterPtr w, const odata_entity_set_t *set, odata_buf_t *tmp, odata_err_t *err)
{
    if (xmlTextWriterStartElement(w, X("EntityType")) < 0 || xmlTextWriterWriteAttribute(w, X("Name"), X(set->type_name)) < 0)
        return -1;
    if (set->nprops != 0) {
        if (xmlTextWriterStartElement(w, X("Key")) < 0 || xmlTextWriterStartElement(w, X("PropertyRef")) < 0 ||
            xmlTextWriterWriteAttribute(w, X("Name"), X(set->props[0].name)) < 0 || xmlTextWriterEndElement(w) < 0 ||
            xmlTextWriterEndElement(w) < 0)
            return -1;
    }
    for (size_t i = 0; i < set->nprops; ++i)
        if (write_property(w, &set->props[i], tmp, err) < 0)
            return -1;
    return xmlTextWriterEndElement(w);
}

/* <Annotation Term="Capabilities.T"><Record><PropertyValue Property="P" Bool="v"/></Record></Annotation> */
static int write_record_annotation(xmlTextWriterPtr w, const char *term, const char *property, int value)
{
    return xmlTextWriterStartElement(w, X("Annotation")) < 0 || xmlTextWriterWriteAttribute(w, X("Term"), X(term)) < 0 ||
                   xmlTextWriterStartElement(w, X("Record")) < 0 || xmlTextWriterStartElement(w, X("PropertyValue")) < 0 ||
                   xmlTextWriterWriteAttribute(w, X("Property"), X(property)) < 0 ||
                   xmlTextWriterWriteAttribute(w, X("Bool"), X(value ? "true" : "false")) < 0 || xmlTextWriterEndElement(w) < 0 ||
                   xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0
               ? -1
               : 0;
}

static int write_bool_annotation(xmlTextWriterPtr w, const char *term, int value)
{
    return xmlTextWriterStartElement(w, X("Annotation")) < 0 || xmlTextWriterWriteAttribute(w, X("Term"), X(term)) < 0 ||
                   xmlTextWriterWriteAttribute(w, X("Bool"), X(value ? "true" : "false")) < 0 || xmlTextWriterEndElement(w) < 0
               ? -1
               : 0;
}

/* SortRestrictions: Sortable, and the properties that are not (NonSortableProperties) */
static int write_sort_restrictions(xmlTextWriterPtr w, const odata_entity_set_t *set, int sortable)
{
    int any = 0;
    if (!sortable)
        return write_record_annotation(w, "Capabilities.SortRestrictions", "Sortable", 0);
    for (size_t i = 0; i < set->nprops; ++i)
        any |= !set->props[i].sortable;
    if (xmlTextWriterStartElement(w, X("Annotation")) < 0 ||
        xmlTextWriterWriteAttribute(w, X("Term"), X("Capabilities.SortRestrictions")) < 0 ||
        xmlTextWriterStartElement(w, X("Record")) < 0 || xmlTextWriterStartElement(w, X("PropertyValue")) < 0 ||
        xmlTextWriterWriteAttribute(w, X("Property"), X("Sortable")) < 0 ||
        xmlTextWriterWriteAttribute(w, X("Bool"), X("true")) < 0 || xmlTextWriterEndElement(w) < 0)
        return -1;
    if (any) {
        if (xmlTextWriterStartElement(w, X("PropertyValue")) < 0 ||
            xmlTextWriterWriteAttribute(w, X("Property"), X("NonSortableProperties")) < 0 ||
            xmlTextWriterStartElement(w, X("Collection")) < 0)
            return -1;
        for (size_t i = 0; i < set->nprops; ++i)
            if (!set->props[i].sortable && xmlTextWriterWriteElement(w, X("PropertyPath"), X(set->props[i].name)) < 0)
                return -1;
        if (xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0)
            return -1;
    }
    return xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

static int write_capabilities(xmlTextWriterPtr w, const odata_entity_set_t *set, const odata_capabilities_t *c)
{
    return write_record_annotation(w, "Capabilities.FilterRestrictions", "Filterable", c->filterable) < 0 ||
                   write_sort_restrictions(w, set, c->sortable) < 0 ||
                   write_bool_annotation(w, "Capabilities.TopSupported", c->top) < 0 ||
                   write_bool_annotation(w, "Capabilities.SkipSupported", c->skip) < 0 ||
                   write_record_annotation(w, "Capabilities.CountRestrictions", "Countable", c->countable) < 0 ||
                   write_record_annotation(w, "Capabilities.SelectSupport", "Supported", c->select) < 0
               ? -1
               : 0;
}

static int write_document(xmlTextWriterPtr w, const odata_model_t *m, odata_buf_t *tmp, odata_err_t *err)
{
    if (xmlTextWriterSetIndent(w, 1) < 0 || xmlTextWriterSetIndentString(w, X("  ")) < 0 ||
        xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0)
        return -1;
    if (xmlTextWriterStartElementNS(w, X("edmx"), X("Edmx"), X(NS_EDMX)) < 0 ||
        xmlTextWriterWriteAttribute(w, X("Version"), X("4.0")) < 0)
        return -1;
    if (xmlTextWriterStartElementNS(w, X("edmx"), X("Reference"), NULL) < 0 ||
        xmlTextWriterWriteAttribute(w, X("Uri"), X(CORE_URI)) < 0 ||
        xmlTextWriterStartElementNS(w, X("edmx"), X("Include"), NULL) < 0 ||
        xmlTextWriterWriteAttribute(w, X("Namespace"), X(CORE_NAMESPACE)) < 0 ||
        xmlTextWriterWriteAttribute(w, X("Alias"), X(CORE_ALIAS)) < 0 || xmlTextWriterEndElement(w) < 0 ||
        xmlTextWriterEndElement(w) < 0)
        return -1;
    if (m->capabilities.annotate && (xmlTextWriterStartElementNS(w, X("edmx"), X("Reference"), NULL) < 0 ||
                                     xmlTextWriterWriteAttribute(w, X("Uri"), X(CAPABILITIES_URI)) < 0 ||
                                     xmlTextWriterStartElementNS(w, X("edmx"), X("Include"), NULL) < 0 ||
                                     xmlTextWriterWriteAttribute(w, X("Namespace"), X("Org.OData.Capabilities.V1")) < 0 ||
                                     xmlTextWriterWriteAttribute(w, X("Alias"), X("Capabilities")) < 0 ||
                                     xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0))
        return -1;
    if (xmlTextWriterStartElementNS(w, X("edmx"), X("DataServices"), NULL) < 0 ||
        xmlTextWriterStartElementNS(w, NULL, X("Schema"), X(NS_EDM)) < 0 ||
        xmlTextWriterWriteAttribute(w, X("Namespace"), X(m->namespace_)) < 0)
        return -1;
    for (size_t i = 0; i < m->nsets; ++i)
        if (write_entity_type(w, &m->sets[i], tmp, err) < 0)
            return -1;
    /* a container must hold at least one child (edm.xsd); a model without sets has none */
    if (m->nsets != 0 &&
        (xmlTextWriterStartElement(w, X("EntityContainer")) < 0 || xmlTextWriterWriteAttribute(w, X("Name"), X(m->container)) < 0))
        return -1;
    for (size_t i = 0; i < m->nsets; ++i) {
        if (xmlTextWriterStartElement(w, X("EntitySet")) < 0 || xmlTextWriterWriteAttribute(w, X("Name"), X(m->sets[i].name)) < 0 ||
            xmlTextWriterWriteFormatAttribute(w, X("EntityType"), "%s.%s", m->namespace_, m->sets[i].type_name) < 0)
            return -1;
        if (m->capabilities.annotate && write_capabilities(w, &m->sets[i], &m->capabilities) < 0)
            return -1;
        if (xmlTextWriterEndElement(w) < 0)
            return -1;
    }
    /* closes the open elements: EntityContainer, Schema, DataServices and Edmx */
    if (xmlTextWriterEndDocument(w) < 0 || xmlTextWriterFlush(w) < 0)
        return -1;
    return 0;
}

odata_err_t odata_csdl_write(const odata_model_t *m, odata_buf_t *out)
{
    size_t start = out->len;
    sink_t sink = {out, ODATA_OK};
    xmlOutputBufferPtr ob = NULL;
    xmlTextWriterPtr w = NULL;
    odata_buf_t tmp;
    odata_err_t result = ODATA_OK;

    odata_buf_init(&tmp, SIZE_MAX);
    if (m == NULL) {
        result = ODATA_ERR_INVALID;
        goto out;
    }
    xmlInitParser();
    if ((ob = xmlOutputBufferCreateIO(sink_write, sink_close, &sink, NULL)) == NULL) {
        result = ODATA_ERR_NOMEM;
        goto out;
    }
    if ((w = xmlNewTextWriter(ob)) == NULL) {
        xmlOutputBufferClose(ob);
        result = ODATA_ERR_NOMEM;
        goto out;
    }
    /* the writer owns ob from here on */
    if (write_document(w, m, &tmp, &result) < 0 && result == ODATA_OK)
        result = ODATA_ERR_NOMEM;

out:
    if (w != NULL)
        xmlFreeTextWriter(w);
    if (result == ODATA_OK)
        result = sink.err;
    if (result)
        odata__buf_truncate(out, start);
    odata_buf_dispose(&tmp);
    return result;
}
