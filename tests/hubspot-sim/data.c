/*
 * hubspot-sim: deterministic CRM records and property schemas.
 */
#include "data.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* creation times fall in [2015-01-01, 2025-01-01); modification times before 2025-06-01 (all UTC) */
#define T_BEGIN 1420070400000LL
#define T_CREATED_END 1735689600000LL
#define T_END 1748736000000LL
#define DAY_MS 86400000LL

enum {
    G_ID,
    G_CREATED,
    G_UPDATED,
    /* contacts */
    C_ADDRESS,
    C_ANNUALREVENUE,
    C_CITY,
    C_COMPANY,
    C_COUNTRY,
    C_DOB,
    C_EMAIL,
    C_ENGAGEMENT,
    C_FIRSTNAME,
    C_OPTOUT,
    C_LEADSTATUS,
    C_SCORE,
    C_INTERESTS,
    C_JOBTITLE,
    C_LASTNAME,
    C_LIFECYCLE,
    C_MOBILE,
    C_NOTES,
    C_NUMEMP,
    C_PHONE,
    C_CHANNEL,
    C_STATE,
    C_WEBSITE,
    C_ZIP,
    /* companies */
    CO_ADDRESS,
    CO_REVENUE,
    CO_CITY,
    CO_CLOSEDATE,
    CO_COUNTRY,
    CO_DESCRIPTION,
    CO_DOMAIN,
    CO_FOUNDED,
    CO_OPEN_DEALS,
    CO_INDUSTRY,
    CO_PUBLIC,
    CO_LIFECYCLE,
    CO_NAME,
    CO_EMPLOYEES,
    CO_PHONE,
    CO_STATE,
    CO_TYPE,
    CO_WEBTECH,
    CO_WEBSITE,
    CO_ZIP,
    /* deals */
    D_AMOUNT,
    D_CLOSEDATE,
    D_CONTRACT_START,
    D_CURRENCY,
    D_TAGS,
    D_NAME,
    D_STAGE,
    D_TYPE,
    D_DESCRIPTION,
    D_PROBABILITY,
    D_IS_CLOSED,
    D_NEXT_STEP,
    D_PRIORITY,
    D_NUM_CONTACTS,
    D_PIPELINE,
    /* tickets */
    T_CLOSED_DATE,
    T_CONTENT,
    T_CUSTOMER_PHONE,
    T_DUE_DATE,
    T_PIPELINE,
    T_STAGE,
    T_CATEGORY,
    T_PRIORITY,
    T_ESCALATED,
    T_SOURCE,
    T_SUBJECT,
    T_TIME_TO_CLOSE,
    /* projects (custom object) */
    P_NAME,
    P_STATUS,
    P_BUDGET,
    P_START,
    P_DUE,
};

/* keys of per-record random choices shared by several properties */
enum { K_FIRST = 200, K_LAST, K_LOC, K_COMPANY, K_COSUFFIX, K_STAGE, K_PIPE, K_CLOSE, K_PRODUCT, K_JITTER, K_PSTART };

/* ---------------------------------------------------------------------------------------------------------------------
 * word lists
 */

typedef struct st_name_t {
    const char *text;
    const char *slug;
} name_t;

static const name_t FIRST_NAMES[] = {
    {"James", "james"},
    {"Mary", "mary"},
    {"Robert", "robert"},
    {"Patricia", "patricia"},
    {"John", "john"},
    {"Jennifer", "jennifer"},
    {"Michael", "michael"},
    {"Linda", "linda"},
    {"David", "david"},
    {"Sarah", "sarah"},
    {"José", "jose"},
    {"Zoë", "zoe"},
    {"François", "francois"},
    {"Björn", "bjorn"},
    {"Łukasz", "lukasz"},
    {"Søren", "soren"},
    {"Mónica", "monica"},
    {"Chloé", "chloe"},
    {"伟", "wei"},
    {"芳", "fang"},
    {"さくら", "sakura"},
    {"翔太", "shota"},
    {"민준", "minjun"},
    {"محمد", "mohammed"},
    {"فاطمة", "fatima"},
    {"נועה", "noa"},
    {"Αλέξανδρος", "alexandros"},
    {"Дмитрий", "dmitry"},
    {"अर्जुन", "arjun"},
    {"Ziggy 🚀", "ziggy"},
    {"Anne-Marie", "annemarie"},
    {"D'Arcy", "darcy"},
    {"Emily", "emily"},
    {"William", "william"},
    {"Olivia", "olivia"},
    {"Noah", "noah"},
};

static const name_t LAST_NAMES[] = {
    {"Smith", "smith"},
    {"Johnson", "johnson"},
    {"Williams", "williams"},
    {"Brown", "brown"},
    {"García", "garcia"},
    {"Müller", "muller"},
    {"O'Brien", "obrien"},
    {"Nguyễn", "nguyen"},
    {"张", "zhang"},
    {"佐藤", "sato"},
    {"김", "kim"},
    {"Иванов", "ivanov"},
    {"Al-Farsi", "alfarsi"},
    {"כהן", "cohen"},
    {"D'Angelo", "dangelo"},
    {"van der Berg", "vanderberg"},
    {"Smith-Jones", "smithjones"},
    {"Øster", "oster"},
    {"Łęcki", "lecki"},
    {"Papadopoulos", "papadopoulos"},
    {"Kowalski", "kowalski"},
    {"Schröder", "schroder"},
    {"Dubois", "dubois"},
    {"Rossi", "rossi"},
    {"Miller", "miller"},
    {"Davis", "davis"},
    {"Wilson", "wilson"},
    {"Taylor", "taylor"},
};

static const name_t COMPANY_NAMES[] = {
    {"Acme", "acme"},
    {"Globex", "globex"},
    {"Initech", "initech"},
    {"Umbrella", "umbrella"},
    {"Café Müller", "cafe-muller"},
    {"Société Générale des Tests", "societe-generale-des-tests"},
    {"株式会社 東京テック", "tokyo-tech"},
    {"北京数据科技", "beijing-data"},
    {"삼성테스트", "samsung-test"},
    {"שלום טכנולוגיות", "shalom-tech"},
    {"شركة الاختبار", "test-company-sa"},
    {"Ünïcödé Wörks", "unicode-works"},
    {"O'Reilly & Sons", "oreilly-sons"},
    {"\"Quoted\" Industries", "quoted-industries"},
    {"Back\\slash Labs", "backslash-labs"},
    {"Rocket 🚀 Systems", "rocket-systems"},
    {"Zürich Re-Test", "zurich-retest"},
    {"Ñandú Logística", "nandu-logistica"},
    {"Ελληνική Δοκιμή", "elliniki-dokimi"},
    {"Москва Софт", "moskva-soft"},
    {"Northwind Traders", "northwind"},
    {"Contoso", "contoso"},
    {"Fabrikam", "fabrikam"},
    {"Tailspin Toys", "tailspin"},
};

static const char *COMPANY_SUFFIXES[] = {" Inc.", " GmbH", " Ltd", " S.A.", " LLC", "", " AG", " K.K.", " Holdings", " & Co."};

typedef struct st_location_t {
    const char *city, *state, *country, *zip, *street;
} location_t;

static const location_t LOCATIONS[] = {
    {"Boston", "MA", "United States", "02108", "Main St."},
    {"San Francisco", "CA", "United States", "94105", "Market Street, Suite 400"},
    {"New York", "NY", "United States", "10001", "Broadway\nFloor 12"},
    {"Paris", "Île-de-France", "France", "75001", "rue de Rivoli"},
    {"München", "Bayern", "Germany", "80331", "Königstraße"},
    {"東京", "東京都", "Japan", "100-0001", "丸の内"},
    {"São Paulo", "SP", "Brazil", "01000-000", "Av. Paulista"},
    {"Tel Aviv", "Tel Aviv District", "Israel", "6100000", "רחוב דיזנגוף"},
    {"Dubai", NULL, "United Arab Emirates", NULL, "Sheikh Zayed Road"},
    {"Zürich", "ZH", "Switzerland", "8001", "Bahnhofstrasse"},
    {"Kraków", "Małopolskie", "Poland", "30-001", "ul. Floriańska"},
    {"Reykjavík", NULL, "Iceland", "101", "Laugavegur"},
    {"London", NULL, "United Kingdom", "EC1A 1BB", "Baker Street, Apt #4B"},
    {"Toronto", "ON", "Canada", "M5H 2N2", "Queen St W"},
    {"Sydney", "NSW", "Australia", "2000", "George St"},
    {"Montréal", "QC", "Canada", "H2Y 1C6", "rue Saint-Paul"},
    {"Cairo", "القاهرة", "Egypt", "11511", "شارع التحرير"},
    {"Seoul", "서울특별시", "South Korea", "04524", "세종대로"},
    {"Dublin", "Leinster", "Ireland", "D02 X285", "O'Connell Street"},
    {"Mexico City", "CDMX", "Mexico", "06000", "Paseo de la Reforma"},
};

static const char *JOB_TITLES[] = {
    "CEO",
    "CTO / Co-founder",
    "VP, Sales & Marketing",
    "Ingénieur R&D",
    "Account Executive",
    "\"Chief\" Happiness Officer",
    "Directeur Général",
    "営業部長",
    "Head of Data\\Analytics",
    "Software Engineer II",
    "Marketing Manager",
    "Customer Success Lead",
    "Procurement <Buyer>",
    "مدير المبيعات",
};

static const char *SNIPPETS[] = {
    "She said \"hello\" and left.",
    "Path C:\\Users\\sim\\notes.txt was attached.",
    "Line one\nLine two\nLine three",
    "Tab\tseparated\tvalues",
    "Bell \x07 escape \x1b unit-separator \x1f start-of-heading \x01 end",
    "Carriage\r\nreturn and form\ffeed and back\bspace",
    "Emoji 🎉🚀 and symbols ™ © € ½",
    "日本語のメモ：顧客は新しい見積もりを希望しています。",
    "ملاحظة: العميل يفضل التواصل عبر البريد الإلكتروني",
    "הערה: הלקוח ביקש הצעת מחיר חדשה",
    "Mixed RTL/LTR: שלום world مرحبا 123",
    "<script>alert('x')</script> & ampersands",
    "JSON-ish {\"key\": [1, 2, 3], \"nested\": {\"a\": null}} inside",
    "Literal backslash-u: \\u00e9 is not an escape here",
    "Zero\u200bwidth space and BOM\ufeff inside",
    "Family 👩‍👩‍👧‍👦 ZWJ sequence and flag 🇨🇭",
    "Plain follow-up call scheduled for next week.",
    "Asked for pricing; budget approved for Q3.",
    "Trailing spaces   ",
    "   leading spaces",
    "Ümlauts äöü ÄÖÜ ß and ligature ﬁ",
    "100% sure; 50/50 split; a+b=c; x<y>z",
};

static const char *LOREM =
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna "
    "aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. "
    "Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. ";

static const char *PRODUCTS[] = {"Enterprise License", "Support Renewal",      "Onboarding Package",  "Data Migration",
                                 "Pro Plan (annual)",  "Add-on: \"Insights\"", "Übersetzung – Paket", "導入支援"};

static const char *TICKET_SUBJECTS[] = {"Cannot log in",
                                        "Invoice is wrong",
                                        "Feature request: dark mode",
                                        "Export fails with \"timeout\"",
                                        "Données manquantes dans le rapport",
                                        "ログインできません",
                                        "Billing question about €/$ conversion",
                                        "Crash on save 💥",
                                        "Password reset e-mail never arrives",
                                        "API returns 500 for /v2/items?id=7&x=y"};

static const char *PROJECT_TITLES[] = {
    "Website relaunch", "ERP migration",     "Office move – Berlin", "Data warehouse \"Phoenix\"", "Refonte du portail client",
    "新オフィス移転",   "CRM clean-up (Q3)", "Mobile app v2 🚀",      "Security audit & pen-test",  "Rollout: EMEA\\APAC"};

static const char *EMAIL_DOMAINS[] = {"example.com", "example.org", "example.net", "mail.example.io", "corp.example.co.uk"};

static const char *NEXT_STEPS[] = {"Send proposal", "Call back on Monday", "Wait for legal\\procurement",
                                   "Demo \"v2\"",   "Réunion de suivi",    "見積もり送付"};

/* ---------------------------------------------------------------------------------------------------------------------
 * options
 */

#define OPTS(a) a, (unsigned)(sizeof(a) / sizeof(a[0]))
#define NOOPTS NULL, 0

static const sim_option_t BOOL_OPTS[] = {{"Yes", "true", 0}, {"No", "false", 0}};

static const sim_option_t LIFECYCLE_OPTS[] = {
    {"Subscriber", "subscriber", 0},
    {"Lead", "lead", 0},
    {"Marketing Qualified Lead", "marketingqualifiedlead", 0},
    {"Sales Qualified Lead", "salesqualifiedlead", 0},
    {"Opportunity", "opportunity", 0},
    {"Customer", "customer", 0},
    {"Evangelist", "evangelist", 0},
    {"Other", "other", 0},
};

static const sim_option_t LEAD_STATUS_OPTS[] = {
    {"New", "NEW", 0},
    {"Open", "OPEN", 0},
    {"In Progress", "IN_PROGRESS", 0},
    {"Open Deal", "OPEN_DEAL", 0},
    {"Unqualified", "UNQUALIFIED", 0},
    {"Attempted to Contact", "ATTEMPTED_TO_CONTACT", 0},
    {"Connected", "CONNECTED", 0},
    {"Bad Timing", "BAD_TIMING", 0},
};

static const sim_option_t INTEREST_OPTS[] = {
    {"Outdoors", "outdoors", 0},
    {"Cooking", "Cooking", 0},
    {"Travel", "TRAVEL", 0},
    {"Music production", "music_production", 0},
    {"Photography", "Photography", 0},
    {"Board games", "Board Games", 0},
    {"Retired option", "legacy_option", 1},
};

static const sim_option_t CHANNEL_OPTS[] = {
    {"E-mail", "Email", 0}, {"Phone", "phone", 0}, {"SMS", "SMS", 0}, {"In person", "In-Person", 0}, {"WhatsApp", "whatsApp", 0},
};

static const sim_option_t INDUSTRY_OPTS[] = {
    {"Computer Software", "COMPUTER_SOFTWARE", 0},
    {"Financial Services", "FINANCIAL_SERVICES", 0},
    {"Hospital & Health Care", "HOSPITAL_HEALTH_CARE", 0},
    {"Retail", "RETAIL", 0},
    {"Mechanical or Industrial Engineering", "MECHANICAL_OR_INDUSTRIAL_ENGINEERING", 0},
    {"Education Management", "EDUCATION_MANAGEMENT", 0},
    {"Food & Beverages", "FOOD_BEVERAGES", 0},
    {"Telecommunications", "TELECOMMUNICATIONS", 0},
    {"Renewables & Environment", "RENEWABLES_ENVIRONMENT", 0},
    {"Automotive", "AUTOMOTIVE", 0},
};

static const sim_option_t COMPANY_TYPE_OPTS[] = {
    {"Prospect", "PROSPECT", 0}, {"Partner", "PARTNER", 0}, {"Reseller", "RESELLER", 0},
    {"Vendor", "VENDOR", 0},     {"Other", "OTHER", 0},
};

static const sim_option_t WEBTECH_OPTS[] = {
    {"Google Analytics", "google_analytics", 0},
    {"HubSpot", "hubspot", 0},
    {"Salesforce", "salesforce", 0},
    {"WordPress", "wordpress", 0},
    {"Shopify", "shopify", 0},
    {"React", "react", 0},
    {"Stripe", "Stripe", 0},
};

static const sim_option_t DEALSTAGE_OPTS[] = {
    {"Appointment Scheduled", "appointmentscheduled", 0},
    {"Qualified To Buy", "qualifiedtobuy", 0},
    {"Presentation Scheduled", "presentationscheduled", 0},
    {"Decision Maker Bought-In", "decisionmakerboughtin", 0},
    {"Contract Sent", "contractsent", 0},
    {"Closed Won", "closedwon", 0},
    {"Closed Lost", "closedlost", 0},
    {"Negotiation (Enterprise)", "1234567", 0},
    {"Won (Enterprise)", "1234568", 0},
    {"Lost (Enterprise)", "1234569", 0},
};
/* probability in tenths, matching DEALSTAGE_OPTS */
static const int DEALSTAGE_PROB10[] = {2, 4, 6, 8, 9, 10, 0, 5, 10, 0};

static const sim_option_t PIPELINE_OPTS[] = {{"Sales Pipeline", "default", 0}, {"Enterprise Pipeline", "12345678", 0}};

static const sim_option_t PRIORITY_OPTS[] = {{"Low", "low", 0}, {"Medium", "medium", 0}, {"High", "high", 0}};

static const sim_option_t DEALTYPE_OPTS[] = {{"New Business", "newbusiness", 0}, {"Existing Business", "existingbusiness", 0}};

static const sim_option_t CURRENCY_OPTS[] = {
    {"US Dollar", "USD", 0}, {"Euro", "EUR", 0}, {"British Pound", "GBP", 0}, {"Japanese Yen", "JPY", 0}, {"Swiss Franc", "CHF", 0},
};

static const sim_option_t DEAL_TAG_OPTS[] = {
    {"Q1 push", "Q1-push", 0},     {"Upsell", "upsell", 0},   {"Renewal", "RENEWAL", 0},
    {"Strategic", "strategic", 0}, {"At risk", "at_risk", 0},
};

static const sim_option_t TICKET_PIPELINE_OPTS[] = {{"Support Pipeline", "0", 0}};

static const sim_option_t TICKET_STAGE_OPTS[] = {
    {"New", "1", 0},
    {"Waiting on contact", "2", 0},
    {"Waiting on us", "3", 0},
    {"Closed", "4", 0},
};

static const sim_option_t TICKET_PRIORITY_OPTS[] = {
    {"Low", "LOW", 0},
    {"Medium", "MEDIUM", 0},
    {"High", "HIGH", 0},
    {"Urgent", "URGENT", 0},
};

static const sim_option_t TICKET_CATEGORY_OPTS[] = {
    {"Product issue", "PRODUCT_ISSUE", 0},
    {"Billing issue", "BILLING_ISSUE", 0},
    {"Feature request", "FEATURE_REQUEST", 0},
    {"General inquiry", "GENERAL_INQUIRY", 0},
};

static const sim_option_t SOURCE_OPTS[] = {
    {"E-mail", "EMAIL", 0},
    {"Chat", "CHAT", 0},
    {"Phone", "PHONE", 0},
    {"Form", "FORM", 0},
};

static const sim_option_t PROJECT_STATUS_OPTS[] = {
    {"Planned", "planned", 0},
    {"Active", "active", 0},
    {"On hold", "on_hold", 0},
    {"Done", "done", 0},
};

/* ---------------------------------------------------------------------------------------------------------------------
 * schemas
 */

#define F_CALC 1
#define F_CUSTOM 2
#define F_UNIQUE 4
#define F_DEFAULT 8
#define F_SEARCH 16
#define F_REQUIRED 32

typedef struct st_prop_def_t {
    const char *name, *label, *description;
    sim_ptype_t type;
    const char *field_type;
    const sim_option_t *options;
    unsigned noptions;
    int flags;
    int gen;
} prop_def_t;

#define STR SIM_T_STRING
#define NUM SIM_T_NUMBER
#define DATE SIM_T_DATE
#define DTIME SIM_T_DATETIME
#define ENUM SIM_T_ENUM
#define BOOL SIM_T_BOOL
#define PHONE SIM_T_PHONE

static const prop_def_t CONTACT_PROPS[] = {
    {"email", "Email", "A contact's email address", STR, "text", NOOPTS, F_DEFAULT | F_SEARCH, C_EMAIL},
    {"firstname", "First Name", "A contact's first name", STR, "text", NOOPTS, F_DEFAULT | F_SEARCH, C_FIRSTNAME},
    {"lastname", "Last Name", "A contact's last name", STR, "text", NOOPTS, F_DEFAULT | F_SEARCH, C_LASTNAME},
    {"phone", "Phone Number", "A contact's primary phone number", PHONE, "phonenumber", NOOPTS, F_SEARCH, C_PHONE},
    {"mobilephone", "Mobile Phone Number", "A contact's mobile phone number", PHONE, "phonenumber", NOOPTS, F_SEARCH, C_MOBILE},
    {"company", "Company Name", "Name of the contact's company", STR, "text", NOOPTS, F_SEARCH, C_COMPANY},
    {"jobtitle", "Job Title", "A contact's job title", STR, "text", NOOPTS, 0, C_JOBTITLE},
    {"website", "Website URL", "The contact's company website", STR, "text", NOOPTS, 0, C_WEBSITE},
    {"address", "Street Address", "Contact's street address, including apartment or unit number", STR, "text", NOOPTS, 0,
     C_ADDRESS},
    {"city", "City", "A contact's city of residence", STR, "text", NOOPTS, 0, C_CITY},
    {"state", "State/Region", "The contact's state of residence", STR, "text", NOOPTS, 0, C_STATE},
    {"country", "Country/Region", "The contact's country/region of residence", STR, "text", NOOPTS, 0, C_COUNTRY},
    {"zip", "Postal Code", "The contact's zip code", STR, "text", NOOPTS, 0, C_ZIP},
    {"lifecyclestage", "Lifecycle Stage", "The qualification of contacts to sales readiness", ENUM, "radio", OPTS(LIFECYCLE_OPTS),
     0, C_LIFECYCLE},
    {"hs_lead_status", "Lead Status", "The contact's sales, prospecting or outreach status", ENUM, "radio", OPTS(LEAD_STATUS_OPTS),
     0, C_LEADSTATUS},
    {"date_of_birth", "Date of birth", "The contact's date of birth", DATE, "date", NOOPTS, F_CUSTOM, C_DOB},
    {"num_employees", "Number of employees", "Employees at the contact's company", NUM, "number", NOOPTS, F_CUSTOM, C_NUMEMP},
    {"annualrevenue", "Annual Revenue", "Annual company revenue", NUM, "number", NOOPTS, 0, C_ANNUALREVENUE},
    {"hs_email_optout", "Unsubscribed from all email", "Indicates that the current email address has opted out of all email", BOOL,
     "booleancheckbox", OPTS(BOOL_OPTS), 0, C_OPTOUT},
    {"interests", "Interests", "Topics the contact is interested in", ENUM, "checkbox", OPTS(INTEREST_OPTS), F_CUSTOM, C_INTERESTS},
    {"preferred_channel", "Preferred channel", "How the contact prefers to be reached", ENUM, "select", OPTS(CHANNEL_OPTS),
     F_CUSTOM, C_CHANNEL},
    {"notes", "Notes", "Free-form notes about the contact", STR, "textarea", NOOPTS, F_CUSTOM, C_NOTES},
    {"hubspotscore", "HubSpot Score", "The number that shows qualification of contacts to sales readiness", NUM, "number", NOOPTS,
     F_CALC, C_SCORE},
    {"engagement_ratio", "Engagement ratio", "Opened e-mails divided by sent e-mails", NUM, "calculation_equation", NOOPTS,
     F_CALC | F_CUSTOM, C_ENGAGEMENT},
    {"createdate", "Create Date", "The date that a contact entered the system", DTIME, "date", NOOPTS, F_DEFAULT, G_CREATED},
    {"lastmodifieddate", "Last Modified Date", "Most recent timestamp of any property update for a contact", DTIME, "date", NOOPTS,
     F_DEFAULT | F_CALC, G_UPDATED},
    {"hs_object_id", "Record ID", "The unique ID for this record. This value is set automatically by HubSpot.", NUM, "number",
     NOOPTS, F_DEFAULT | F_UNIQUE | F_CALC, G_ID},
};

static const prop_def_t COMPANY_PROPS[] = {
    {"name", "Company name", "The name of the company or organization", STR, "text", NOOPTS, F_DEFAULT | F_SEARCH, CO_NAME},
    {"domain", "Company Domain Name", "The domain name of the company or organization", STR, "text", NOOPTS,
     F_DEFAULT | F_SEARCH | F_UNIQUE, CO_DOMAIN},
    {"website", "Website URL", "The main website of the company or organization", STR, "text", NOOPTS, F_SEARCH, CO_WEBSITE},
    {"industry", "Industry", "The type of business the company performs", ENUM, "select", OPTS(INDUSTRY_OPTS), 0, CO_INDUSTRY},
    {"numberofemployees", "Number of Employees", "The total number of employees who work for the company", NUM, "number", NOOPTS, 0,
     CO_EMPLOYEES},
    {"annualrevenue", "Annual Revenue", "The actual or estimated annual revenue of the company", NUM, "number", NOOPTS, 0,
     CO_REVENUE},
    {"phone", "Phone Number", "A company's primary phone number", PHONE, "phonenumber", NOOPTS, F_SEARCH, CO_PHONE},
    {"address", "Street Address", "The street address of the company", STR, "text", NOOPTS, 0, CO_ADDRESS},
    {"city", "City", "The city where the company is located", STR, "text", NOOPTS, 0, CO_CITY},
    {"state", "State/Region", "The state or region where the company is located", STR, "text", NOOPTS, 0, CO_STATE},
    {"country", "Country/Region", "The country/region in which the company is located", STR, "text", NOOPTS, 0, CO_COUNTRY},
    {"zip", "Postal Code", "The postal or zip code of the company", STR, "text", NOOPTS, 0, CO_ZIP},
    {"founded_year", "Year Founded", "The year the company was created", STR, "text", NOOPTS, 0, CO_FOUNDED},
    {"is_public", "Is Public", "Indicates that the company is publicly traded", BOOL, "booleancheckbox", OPTS(BOOL_OPTS), 0,
     CO_PUBLIC},
    {"type", "Type", "The optional classification of this company record", ENUM, "select", OPTS(COMPANY_TYPE_OPTS), 0, CO_TYPE},
    {"lifecyclestage", "Lifecycle Stage", "The qualification of companies to sales readiness", ENUM, "radio", OPTS(LIFECYCLE_OPTS),
     0, CO_LIFECYCLE},
    {"description", "Description", "A short statement about the company's mission and goals", STR, "textarea", NOOPTS, 0,
     CO_DESCRIPTION},
    {"web_technologies", "Web Technologies", "Web technologies used by the company or organization", ENUM, "checkbox",
     OPTS(WEBTECH_OPTS), 0, CO_WEBTECH},
    {"hs_num_open_deals", "Number of open deals", "The number of open deals associated with this company", NUM, "number", NOOPTS,
     F_CALC, CO_OPEN_DEALS},
    {"closedate", "Close Date", "The date the company became a customer", DTIME, "date", NOOPTS, 0, CO_CLOSEDATE},
    {"createdate", "Create Date", "The date the company was added to your account", DTIME, "date", NOOPTS, F_DEFAULT, G_CREATED},
    {"hs_lastmodifieddate", "Last Modified Date", "Most recent timestamp of any property update for a company", DTIME, "date",
     NOOPTS, F_DEFAULT | F_CALC, G_UPDATED},
    {"lastmodifieddate", "Last Modified Date (alias)", "Same value as hs_lastmodifieddate", DTIME, "date", NOOPTS,
     F_DEFAULT | F_CALC, G_UPDATED},
    {"hs_object_id", "Record ID", "The unique ID for this record. This value is set automatically by HubSpot.", NUM, "number",
     NOOPTS, F_DEFAULT | F_UNIQUE | F_CALC, G_ID},
};

static const prop_def_t DEAL_PROPS[] = {
    {"dealname", "Deal Name", "The name given to this deal", STR, "text", NOOPTS, F_DEFAULT | F_SEARCH, D_NAME},
    {"amount", "Amount", "The total amount of the deal", NUM, "number", NOOPTS, F_DEFAULT, D_AMOUNT},
    {"dealstage", "Deal Stage", "The stage of the deal", ENUM, "radio", OPTS(DEALSTAGE_OPTS), F_DEFAULT | F_SEARCH, D_STAGE},
    {"pipeline", "Pipeline", "The pipeline the deal is in", ENUM, "select", OPTS(PIPELINE_OPTS), F_DEFAULT | F_SEARCH, D_PIPELINE},
    {"closedate", "Close Date", "Date the deal was closed (or is expected to close)", DTIME, "date", NOOPTS, F_DEFAULT,
     D_CLOSEDATE},
    {"hs_priority", "Priority", "The priority of the deal", ENUM, "select", OPTS(PRIORITY_OPTS), 0, D_PRIORITY},
    {"dealtype", "Deal Type", "The type of deal", ENUM, "radio", OPTS(DEALTYPE_OPTS), F_SEARCH, D_TYPE},
    {"description", "Deal Description", "Description of the deal", STR, "textarea", NOOPTS, F_SEARCH, D_DESCRIPTION},
    {"hs_deal_stage_probability", "Deal probability", "The probability a deal will close, between 0 and 1", NUM,
     "calculation_equation", NOOPTS, F_CALC, D_PROBABILITY},
    {"hs_is_closed", "Is Deal Closed?", "True if the deal is in a closed stage", BOOL, "booleancheckbox", OPTS(BOOL_OPTS), F_CALC,
     D_IS_CLOSED},
    {"deal_currency_code", "Currency", "Currency code for the deal", ENUM, "select", OPTS(CURRENCY_OPTS), 0, D_CURRENCY},
    {"hs_next_step", "Next step", "A short description of the next step for the deal", STR, "text", NOOPTS, 0, D_NEXT_STEP},
    {"contract_start_date", "Contract start date", "First day of the contract", DATE, "date", NOOPTS, F_CUSTOM, D_CONTRACT_START},
    {"num_associated_contacts", "Number of Contacts", "The number of contacts associated with this deal", NUM, "number", NOOPTS,
     F_CALC, D_NUM_CONTACTS},
    {"deal_tags", "Deal tags", "Tags for reporting", ENUM, "checkbox", OPTS(DEAL_TAG_OPTS), F_CUSTOM, D_TAGS},
    {"createdate", "Create Date", "Date the deal was created", DTIME, "date", NOOPTS, F_DEFAULT, G_CREATED},
    {"hs_lastmodifieddate", "Last Modified Date", "Most recent timestamp of any property update for a deal", DTIME, "date", NOOPTS,
     F_DEFAULT | F_CALC, G_UPDATED},
    {"lastmodifieddate", "Last Modified Date (alias)", "Same value as hs_lastmodifieddate", DTIME, "date", NOOPTS,
     F_DEFAULT | F_CALC, G_UPDATED},
    {"hs_object_id", "Record ID", "The unique ID for this record. This value is set automatically by HubSpot.", NUM, "number",
     NOOPTS, F_DEFAULT | F_UNIQUE | F_CALC, G_ID},
};

static const prop_def_t TICKET_PROPS[] = {
    {"subject", "Ticket name", "Short summary of ticket", STR, "text", NOOPTS, F_DEFAULT | F_SEARCH, T_SUBJECT},
    {"content", "Ticket description", "Text in body of the ticket", STR, "textarea", NOOPTS, F_DEFAULT | F_SEARCH, T_CONTENT},
    {"hs_pipeline", "Pipeline", "The pipeline that contains this ticket", ENUM, "select", OPTS(TICKET_PIPELINE_OPTS), F_DEFAULT,
     T_PIPELINE},
    {"hs_pipeline_stage", "Ticket status", "The pipeline stage that contains this ticket", ENUM, "select", OPTS(TICKET_STAGE_OPTS),
     F_DEFAULT | F_SEARCH, T_STAGE},
    {"hs_ticket_priority", "Priority", "The level of attention needed on the ticket", ENUM, "select", OPTS(TICKET_PRIORITY_OPTS),
     F_DEFAULT, T_PRIORITY},
    {"hs_ticket_category", "Category", "The main reason customer reached out for help", ENUM, "checkbox",
     OPTS(TICKET_CATEGORY_OPTS), F_DEFAULT | F_SEARCH, T_CATEGORY},
    {"source_type", "Source", "Channel where ticket was originally submitted", ENUM, "select", OPTS(SOURCE_OPTS), 0, T_SOURCE},
    {"closed_date", "Close date", "The date that a ticket was closed", DTIME, "date", NOOPTS, 0, T_CLOSED_DATE},
    {"time_to_close", "Time to close", "Time taken to close the ticket, in milliseconds", NUM, "number", NOOPTS, F_CALC,
     T_TIME_TO_CLOSE},
    {"due_date", "Due date", "Date by which the ticket should be resolved", DATE, "date", NOOPTS, F_CUSTOM, T_DUE_DATE},
    {"customer_phone", "Customer phone", "Call-back number given by the customer", PHONE, "phonenumber", NOOPTS, F_CUSTOM,
     T_CUSTOMER_PHONE},
    {"is_escalated", "Escalated", "Whether the ticket was escalated", BOOL, "booleancheckbox", OPTS(BOOL_OPTS), F_CUSTOM,
     T_ESCALATED},
    {"createdate", "Create date", "The date the ticket was created", DTIME, "date", NOOPTS, F_DEFAULT, G_CREATED},
    {"hs_lastmodifieddate", "Last modified date", "Most recent timestamp of any property update for a ticket", DTIME, "date",
     NOOPTS, F_DEFAULT | F_CALC, G_UPDATED},
    {"lastmodifieddate", "Last modified date (alias)", "Same value as hs_lastmodifieddate", DTIME, "date", NOOPTS,
     F_DEFAULT | F_CALC, G_UPDATED},
    {"hs_object_id", "Ticket ID", "The unique ID for this record. This value is set automatically by HubSpot.", NUM, "number",
     NOOPTS, F_DEFAULT | F_UNIQUE | F_CALC, G_ID},
};

/* a custom object's own properties are user-defined (F_CUSTOM); its hs_ properties are HubSpot's */
static const prop_def_t PROJECT_PROPS[] = {
    {"project_name", "Project name", "Name of the project", STR, "text", NOOPTS, F_CUSTOM | F_SEARCH | F_REQUIRED, P_NAME},
    {"status", "Status", "Where the project stands", ENUM, "select", OPTS(PROJECT_STATUS_OPTS), F_CUSTOM, P_STATUS},
    {"budget", "Budget", "Approved budget of the project", NUM, "number", NOOPTS, F_CUSTOM, P_BUDGET},
    {"start_date", "Start date", "First day of the project", DATE, "date", NOOPTS, F_CUSTOM, P_START},
    {"due_date", "Due date", "When the project is due", DTIME, "date", NOOPTS, F_CUSTOM, P_DUE},
    {"hs_createdate", "Object create date/time", "The date and time at which this object was created", DTIME, "date", NOOPTS,
     F_DEFAULT, G_CREATED},
    {"hs_lastmodifieddate", "Object last modified date/time", "Most recent timestamp of any property update for this object", DTIME,
     "date", NOOPTS, F_DEFAULT | F_CALC, G_UPDATED},
    {"hs_object_id", "Record ID", "The unique ID for this record. This value is set automatically by HubSpot.", NUM, "number",
     NOOPTS, F_DEFAULT | F_UNIQUE | F_CALC, G_ID},
};

typedef struct st_object_def_t {
    const char *name, *type_id, *singular, *group;
    char tag;
    uint64_t base, step;
    const prop_def_t *props;
    unsigned nprops;
    /* custom objects only */
    const char *schema_id, *label_singular, *label_plural, *primary_display;
} object_def_t;

#define DEFS(a) a, (unsigned)(sizeof(a) / sizeof(a[0]))

static const object_def_t OBJECT_DEFS[SIM_OBJ_COUNT] = {
    {"contacts", "0-1", "contact", "contactinformation", 'c', 101, 7, DEFS(CONTACT_PROPS), NULL, NULL, NULL, NULL},
    {"companies", "0-2", "company", "companyinformation", 'o', 5000000000ULL, 13, DEFS(COMPANY_PROPS), NULL, NULL, NULL, NULL},
    {"deals", "0-3", "deal", "dealinformation", 'd', 9000000000ULL, 11, DEFS(DEAL_PROPS), NULL, NULL, NULL, NULL},
    {"tickets", "0-5", "ticket", "ticketinformation", 't', 1500000000ULL, 5, DEFS(TICKET_PROPS), NULL, NULL, NULL, NULL},
    {"projects", "2-7353817", "project", "projects_information", 'p', 20000000000ULL, 9, DEFS(PROJECT_PROPS), "7353817", "Project",
     "Projects", "project_name"},
};

/* schema timestamps of the custom objects (HubSpot-defined properties of a custom object were created with it) */
#define SCHEMA_CREATED "2022-03-14T09:20:41.118Z"
#define SCHEMA_UPDATED "2024-01-22T11:47:08.032Z"

/* ---------------------------------------------------------------------------------------------------------------------
 * dataset
 */

static int prop_cmp(const void *a, const void *b)
{
    return strcmp(((const sim_prop_t *)a)->name, ((const sim_prop_t *)b)->name);
}

sim_dataset_t *sim_dataset_create(uint64_t seed, uint64_t portal_id, const uint64_t counts[SIM_OBJ_COUNT])
{
    sim_dataset_t *ds = sim_calloc(1, sizeof(*ds));
    ds->seed = seed;
    for (int k = 0; k < SIM_OBJ_COUNT; ++k) {
        const object_def_t *def = &OBJECT_DEFS[k];
        sim_object_t *o = &ds->objects[k];
        o->kind = (sim_obj_kind_t)k;
        o->name = def->name;
        o->type_id = def->type_id;
        o->singular = def->singular;
        o->id_tag = def->tag;
        o->id_base = def->base;
        o->id_step = def->step;
        o->count = counts[k];
        o->custom = def->schema_id != NULL;
        if (o->custom) {
            snprintf(o->fq_name, sizeof(o->fq_name), "p%" PRIu64 "_%s", portal_id, def->name);
            o->schema_id = def->schema_id;
            o->label_singular = def->label_singular;
            o->label_plural = def->label_plural;
            o->primary_display = def->primary_display;
        }
        o->seedmix = sim_mix64(sim_mix64(seed) ^ ((uint64_t)(k + 1) * 0xa0761d6478bd642fULL));
        if (def->nprops > 64)
            sim_fatal("too many properties for %s", def->name);
        o->props = sim_calloc(def->nprops, sizeof(sim_prop_t));
        o->nprops = def->nprops;
        for (unsigned i = 0; i < def->nprops; ++i) {
            const prop_def_t *pd = &def->props[i];
            sim_prop_t *p = &o->props[i];
            p->name = pd->name;
            p->label = pd->label;
            p->description = pd->description;
            p->group = def->group;
            p->type = pd->type;
            p->field_type = pd->field_type;
            p->options = pd->options;
            p->noptions = pd->noptions;
            p->calculated = (pd->flags & F_CALC) != 0;
            p->hubspot_defined = (pd->flags & F_CUSTOM) == 0;
            p->unique = (pd->flags & F_UNIQUE) != 0;
            p->is_default = (pd->flags & F_DEFAULT) != 0;
            p->searchable = (pd->flags & F_SEARCH) != 0;
            p->required = (pd->flags & F_REQUIRED) != 0;
            p->gen = pd->gen;
            p->display_order = (int)i;
        }
        qsort(o->props, o->nprops, sizeof(sim_prop_t), prop_cmp);
        o->all_mask = o->nprops == 64 ? ~(uint64_t)0 : (((uint64_t)1 << o->nprops) - 1);
        for (unsigned i = 0; i < o->nprops; ++i) {
            const sim_prop_t *p = &o->props[i];
            if (p->is_default)
                o->default_mask |= (uint64_t)1 << i;
            if (p->gen == G_ID || p->gen == G_CREATED || p->gen == G_UPDATED)
                o->always_mask |= (uint64_t)1 << i;
            if (p->gen == G_ID)
                o->id_prop = i;
        }
    }
    return ds;
}

void sim_dataset_destroy(sim_dataset_t *ds)
{
    if (ds == NULL)
        return;
    for (int k = 0; k < SIM_OBJ_COUNT; ++k)
        free(ds->objects[k].props);
    free(ds);
}

static int name_is(const char *s, const char *name, size_t len)
{
    return strlen(s) == len && memcmp(s, name, len) == 0;
}

static const sim_object_t *lookup(const sim_dataset_t *ds, const char *name, size_t len, int custom_by_name)
{
    for (int k = 0; k < SIM_OBJ_COUNT; ++k) {
        const sim_object_t *o = &ds->objects[k];
        if (name_is(o->type_id, name, len) || ((!o->custom || custom_by_name) && name_is(o->name, name, len)) ||
            (o->custom && name_is(o->fq_name, name, len)))
            return o;
    }
    return NULL;
}

const sim_object_t *sim_dataset_lookup(const sim_dataset_t *ds, const char *name, size_t len)
{
    return lookup(ds, name, len, 0);
}

const sim_object_t *sim_dataset_lookup_any(const sim_dataset_t *ds, const char *name, size_t len)
{
    return lookup(ds, name, len, 1);
}

const char *sim_data_kind_name(sim_obj_kind_t kind)
{
    return kind < SIM_OBJ_COUNT ? OBJECT_DEFS[kind].name : "unknown";
}

int sim_data_prop_index(const sim_object_t *obj, const char *name, size_t len)
{
    unsigned lo = 0, hi = obj->nprops;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        const char *pn = obj->props[mid].name;
        size_t pl = strlen(pn);
        int c = memcmp(pn, name, pl < len ? pl : len);
        if (c == 0)
            c = pl < len ? -1 : pl > len ? 1 : 0;
        if (c == 0)
            return (int)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* ---------------------------------------------------------------------------------------------------------------------
 * ids and hashing
 */

static inline uint64_t rec_hash(const sim_object_t *o, uint64_t idx)
{
    return sim_mix64(o->seedmix ^ (idx * 0xd1342543de82ef95ULL));
}

static inline uint64_t kh(uint64_t rh, unsigned key)
{
    return sim_mix64(rh ^ ((uint64_t)key * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL));
}

/* true with probability permille/1000, independently per (record, key) */
static inline int chance(uint64_t rh, unsigned key, unsigned permille)
{
    return kh(rh, key + 5000) % 1000 < permille;
}

uint64_t sim_data_id(const sim_object_t *obj, uint64_t idx)
{
    uint64_t jitter = sim_mix64(obj->seedmix ^ (idx * 0xff51afd7ed558ccdULL) ^ K_JITTER) % obj->id_step;
    return obj->id_base + idx * obj->id_step + jitter;
}

uint64_t sim_data_lower_bound(const sim_object_t *obj, uint64_t id)
{
    if (id <= obj->id_base)
        return 0;
    uint64_t i = (id - obj->id_base) / obj->id_step;
    if (i >= obj->count)
        return obj->count;
    return sim_data_id(obj, i) >= id ? i : i + 1;
}

int sim_data_find(const sim_object_t *obj, uint64_t id, uint64_t *idx)
{
    uint64_t i = sim_data_lower_bound(obj, id);
    if (i < obj->count && sim_data_id(obj, i) == id) {
        *idx = i;
        return 0;
    }
    return -1;
}

static int64_t created_ms(uint64_t rh)
{
    return T_BEGIN + (int64_t)(kh(rh, G_CREATED) % (uint64_t)(T_CREATED_END - T_BEGIN));
}

static int64_t updated_ms(uint64_t rh)
{
    int64_t c = created_ms(rh);
    return c + (int64_t)(kh(rh, G_UPDATED) % (uint64_t)(T_END - c));
}

int64_t sim_data_created_ms(const sim_object_t *obj, uint64_t idx)
{
    return created_ms(rec_hash(obj, idx));
}

int64_t sim_data_updated_ms(const sim_object_t *obj, uint64_t idx)
{
    return updated_ms(rec_hash(obj, idx));
}

/* ---------------------------------------------------------------------------------------------------------------------
 * value writers
 */

typedef struct st_gen_t {
    const sim_object_t *obj;
    uint64_t idx;
    uint64_t rh;
    char *scratch;
    sim_val_t *out;
} gen_t;

static void v_static(gen_t *g, const char *s)
{
    g->out->present = 1;
    g->out->str = s;
    g->out->len = strlen(s);
}

/* builder for values composed in the scratch buffer */
typedef struct st_sb_t {
    char *p;
    size_t len;
} sb_t;

static size_t sb_room(const sb_t *b)
{
    return b->len < SIM_VALUE_MAX - 1 ? SIM_VALUE_MAX - 1 - b->len : 0;
}

static void sb_put(sb_t *b, const char *s, size_t n)
{
    size_t room = sb_room(b);
    if (n > room)
        n = room;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void sb_puts(sb_t *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_putu(sb_t *b, uint64_t v)
{
    if (sb_room(b) >= 20)
        b->len += sim_u64toa(b->p + b->len, v);
}

static void sb_digits(sb_t *b, uint64_t h, unsigned n)
{
    for (unsigned i = 0; i < n && sb_room(b) != 0; ++i) {
        b->p[b->len++] = (char)('0' + h % 10);
        h /= 10;
    }
}

static void v_done(gen_t *g, sb_t *b)
{
    g->out->present = 1;
    g->out->str = b->p;
    g->out->len = b->len;
}

static void v_int(gen_t *g, int64_t v)
{
    g->out->present = 1;
    g->out->str = g->scratch;
    g->out->len = sim_i64toa(g->scratch, v);
    g->out->num = (double)v;
}

/* decimal with `scale` fractional digits, trailing zeros removed ("1234.5", "0.5", "-12", "1000") */
static void v_decimal(gen_t *g, int64_t units, int scale)
{
    static const int64_t POW10[] = {1, 10, 100, 1000, 10000};
    int64_t p = POW10[scale];
    uint64_t a = units < 0 ? (uint64_t)0 - (uint64_t)units : (uint64_t)units;
    uint64_t ip = a / (uint64_t)p, fp = a % (uint64_t)p;
    char *o = g->scratch;
    size_t n = 0;
    if (units < 0)
        o[n++] = '-';
    n += sim_u64toa(o + n, ip);
    if (fp != 0) {
        char frac[8];
        for (int i = scale - 1; i >= 0; --i) {
            frac[i] = (char)('0' + fp % 10);
            fp /= 10;
        }
        int fl = scale;
        while (fl > 0 && frac[fl - 1] == '0')
            --fl;
        o[n++] = '.';
        memcpy(o + n, frac, (size_t)fl);
        n += (size_t)fl;
    }
    g->out->present = 1;
    g->out->str = o;
    g->out->len = n;
    g->out->num = (double)units / (double)p;
}

static void v_datetime(gen_t *g, int64_t ms)
{
    g->out->present = 1;
    g->out->str = g->scratch;
    g->out->len = sim_fmt_datetime(g->scratch, ms);
    g->out->ms = ms;
}

static void v_date(gen_t *g, int64_t ms)
{
    ms -= ((ms % DAY_MS) + DAY_MS) % DAY_MS;
    g->out->present = 1;
    g->out->str = g->scratch;
    g->out->len = sim_fmt_date(g->scratch, ms);
    g->out->ms = ms;
}

static void v_bool(gen_t *g, int b)
{
    v_static(g, b ? "true" : "false");
    g->out->num = b ? 1 : 0;
}

/* one option value, by index */
static void v_option(gen_t *g, const sim_option_t *opts, unsigned i)
{
    v_static(g, opts[i].value);
}

/* a ';'-joined subset of the visible options; unset when the subset is empty */
static void v_multi(gen_t *g, const sim_option_t *opts, unsigned n, uint64_t h)
{
    sb_t b = {g->scratch, 0};
    for (unsigned i = 0; i < n; ++i) {
        if (opts[i].hidden || ((h >> (i * 3)) & 7) >= 3)
            continue;
        if (b.len != 0)
            sb_put(&b, ";", 1);
        sb_puts(&b, opts[i].value);
    }
    if (b.len == 0)
        return;
    v_done(g, &b);
}

static void v_phone(gen_t *g, uint64_t h)
{
    sb_t b = {g->scratch, 0};
    uint64_t d = h >> 8;
    switch (h % 8) {
    case 0:
        sb_puts(&b, "+1 (555) ");
        sb_digits(&b, d, 3);
        sb_puts(&b, "-");
        sb_digits(&b, d / 1000, 4);
        break;
    case 1:
        sb_puts(&b, "+44 20 ");
        sb_digits(&b, d, 4);
        sb_puts(&b, " ");
        sb_digits(&b, d / 10000, 4);
        break;
    case 2:
        sb_puts(&b, "+49 30 ");
        sb_digits(&b, d, 7);
        break;
    case 3:
        sb_puts(&b, "+81-3-");
        sb_digits(&b, d, 4);
        sb_puts(&b, "-");
        sb_digits(&b, d / 10000, 4);
        break;
    case 4:
        sb_puts(&b, "555.");
        sb_digits(&b, d, 3);
        sb_puts(&b, ".");
        sb_digits(&b, d / 1000, 4);
        break;
    case 5:
        sb_puts(&b, "+1 555 ");
        sb_digits(&b, d, 3);
        sb_puts(&b, " ");
        sb_digits(&b, d / 1000, 4);
        sb_puts(&b, " ext. ");
        sb_digits(&b, d / 10000000, 2);
        break;
    case 6:
        sb_puts(&b, "+33 1 ");
        for (int i = 0; i < 4; ++i) {
            sb_digits(&b, d >> (i * 7), 2);
            if (i != 3)
                sb_puts(&b, " ");
        }
        break;
    default:
        sb_puts(&b, "+972-3-");
        sb_digits(&b, d, 3);
        sb_puts(&b, "-");
        sb_digits(&b, d / 1000, 4);
        break;
    }
    v_done(g, &b);
}

/* free text: 1-3 snippets, or (rarely) a long text of several KB */
static void v_text(gen_t *g, uint64_t h, unsigned long_permille)
{
    sb_t b = {g->scratch, 0};
    const size_t nsn = sizeof(SNIPPETS) / sizeof(SNIPPETS[0]);
    if (h % 1000 < long_permille) {
        size_t target = 2000 + (size_t)((h >> 10) % 6000);
        unsigned para = 1;
        while (b.len < target) {
            sb_puts(&b, "¶");
            sb_putu(&b, para++);
            sb_puts(&b, " (");
            char tag[2] = {(char)(g->obj->id_tag - 32), 0};
            sb_puts(&b, tag);
            sb_putu(&b, sim_data_id(g->obj, g->idx));
            sb_puts(&b, ") ");
            sb_puts(&b, LOREM);
            sb_puts(&b, SNIPPETS[(h + para) % nsn]);
            sb_puts(&b, "\n\n");
        }
    } else {
        unsigned n = 1 + (unsigned)((h >> 12) % 3);
        for (unsigned i = 0; i < n; ++i) {
            if (i != 0)
                sb_puts(&b, " ");
            sb_puts(&b, SNIPPETS[(h >> (16 + i * 6)) % nsn]);
        }
    }
    v_done(g, &b);
}

#define PICK(arr, h) (arr[(h) % (sizeof(arr) / sizeof(arr[0]))])
#define COUNT(arr) (sizeof(arr) / sizeof(arr[0]))

static const location_t *pick_location(uint64_t rh)
{
    return &PICK(LOCATIONS, kh(rh, K_LOC));
}

static void v_company_name(gen_t *g, unsigned key_prefix)
{
    sb_t b = {g->scratch, 0};
    sb_puts(&b, PICK(COMPANY_NAMES, kh(g->rh, key_prefix)).text);
    sb_puts(&b, PICK(COMPANY_SUFFIXES, kh(g->rh, K_COSUFFIX)));
    v_done(g, &b);
}

static unsigned deal_stage(uint64_t rh)
{
    uint64_t h = kh(rh, K_STAGE);
    if (kh(rh, K_PIPE) % 5 == 0)
        return 7 + (unsigned)(h % 3); /* enterprise pipeline */
    return (unsigned)(h % 7);
}

static int deal_closed(unsigned stage)
{
    return stage == 5 || stage == 6 || stage == 8 || stage == 9;
}

static unsigned ticket_stage(uint64_t rh)
{
    uint64_t h = kh(rh, K_STAGE) % 100;
    return h < 25 ? 0 : h < 45 ? 1 : h < 65 ? 2 : 3;
}

static int64_t ticket_closed_ms(uint64_t rh)
{
    int64_t c = created_ms(rh);
    int64_t t = c + 3600000LL + (int64_t)(kh(rh, K_CLOSE) % (uint64_t)(30 * DAY_MS));
    return t < T_END ? t : T_END - 1;
}

/* a project starts within 90 days of its creation; its due date follows the start */
static int64_t project_start_ms(uint64_t rh)
{
    return created_ms(rh) + (int64_t)(kh(rh, K_PSTART) % 90) * DAY_MS;
}

static void generate(gen_t *g, int gen)
{
    uint64_t rh = g->rh, h = kh(rh, (unsigned)gen);
    const sim_object_t *o = g->obj;

    switch (gen) {
    case G_ID: {
        uint64_t id = sim_data_id(o, g->idx);
        g->out->present = 1;
        g->out->str = g->scratch;
        g->out->len = sim_u64toa(g->scratch, id);
        g->out->num = (double)id;
        return;
    }
    case G_CREATED:
        v_datetime(g, created_ms(rh));
        return;
    case G_UPDATED:
        v_datetime(g, updated_ms(rh));
        return;

    /* contacts */
    case C_EMAIL: {
        if (chance(rh, gen, 20))
            return;
        sb_t b = {g->scratch, 0};
        sb_puts(&b, PICK(FIRST_NAMES, kh(rh, K_FIRST)).slug);
        sb_puts(&b, ".");
        sb_puts(&b, PICK(LAST_NAMES, kh(rh, K_LAST)).slug);
        sb_puts(&b, ".");
        char tag[2] = {o->id_tag, 0};
        sb_puts(&b, tag);
        sb_putu(&b, sim_data_id(o, g->idx));
        sb_puts(&b, "@");
        sb_puts(&b, PICK(EMAIL_DOMAINS, h));
        v_done(g, &b);
        return;
    }
    case C_FIRSTNAME:
        if (!chance(rh, gen, 30))
            v_static(g, PICK(FIRST_NAMES, kh(rh, K_FIRST)).text);
        return;
    case C_LASTNAME:
        if (!chance(rh, gen, 30))
            v_static(g, PICK(LAST_NAMES, kh(rh, K_LAST)).text);
        return;
    case C_PHONE:
        if (!chance(rh, gen, 150))
            v_phone(g, h);
        return;
    case C_MOBILE:
        if (!chance(rh, gen, 450))
            v_phone(g, h);
        return;
    case C_COMPANY:
        if (!chance(rh, gen, 150))
            v_company_name(g, K_COMPANY);
        return;
    case C_JOBTITLE:
        if (!chance(rh, gen, 200))
            v_static(g, PICK(JOB_TITLES, h));
        return;
    case C_WEBSITE: {
        if (chance(rh, gen, 500))
            return;
        sb_t b = {g->scratch, 0};
        sb_puts(&b, "https://www.");
        sb_puts(&b, PICK(COMPANY_NAMES, kh(rh, K_COMPANY)).slug);
        sb_puts(&b, ".example/");
        if (h % 4 == 0)
            sb_puts(&b, "?ref=crm&lang=de");
        v_done(g, &b);
        return;
    }
    case C_ADDRESS:
    case CO_ADDRESS: {
        if (chance(rh, gen, 250))
            return;
        sb_t b = {g->scratch, 0};
        sb_putu(&b, 1 + h % 999);
        sb_puts(&b, " ");
        sb_puts(&b, pick_location(rh)->street);
        v_done(g, &b);
        return;
    }
    case C_CITY:
    case CO_CITY:
        if (!chance(rh, gen, 100))
            v_static(g, pick_location(rh)->city);
        return;
    case C_STATE:
    case CO_STATE:
        if (pick_location(rh)->state != NULL && !chance(rh, gen, 100))
            v_static(g, pick_location(rh)->state);
        return;
    case C_COUNTRY:
    case CO_COUNTRY:
        if (!chance(rh, gen, 80))
            v_static(g, pick_location(rh)->country);
        return;
    case C_ZIP:
    case CO_ZIP:
        if (pick_location(rh)->zip != NULL && !chance(rh, gen, 150))
            v_static(g, pick_location(rh)->zip);
        return;
    case C_LIFECYCLE:
    case CO_LIFECYCLE:
        if (!chance(rh, gen, 50))
            v_option(g, LIFECYCLE_OPTS, (unsigned)(h % COUNT(LIFECYCLE_OPTS)));
        return;
    case C_LEADSTATUS:
        if (!chance(rh, gen, 300))
            v_option(g, LEAD_STATUS_OPTS, (unsigned)(h % COUNT(LEAD_STATUS_OPTS)));
        return;
    case C_DOB: {
        if (chance(rh, gen, 300))
            return;
        int64_t from = sim_days_from_civil(1950, 1, 1), to = sim_days_from_civil(2006, 1, 1);
        v_date(g, (from + (int64_t)(h % (uint64_t)(to - from))) * DAY_MS);
        return;
    }
    case C_NUMEMP:
        if (!chance(rh, gen, 200))
            v_int(g, (h % 10 == 0) ? (int64_t)(h % 250000) : (int64_t)(1 + h % 500));
        return;
    case C_ANNUALREVENUE: {
        if (chance(rh, gen, 250))
            return;
        switch (h % 10) {
        case 0:
            v_decimal(g, 0, 2);
            break;
        case 1:
            v_decimal(g, 50, 2); /* 0.5 */
            break;
        case 2:
            v_decimal(g, (int64_t)((h >> 8) % 99999999999999ULL), 2); /* up to ~1e12 */
            break;
        default:
            v_decimal(g, (int64_t)((h >> 8) % 5000000000ULL), 2);
            break;
        }
        return;
    }
    case C_OPTOUT:
        if (!chance(rh, gen, 100))
            v_bool(g, h % 5 == 0);
        return;
    case C_INTERESTS:
        if (!chance(rh, gen, 250))
            v_multi(g, INTEREST_OPTS, COUNT(INTEREST_OPTS), h >> 4);
        return;
    case C_CHANNEL:
        if (!chance(rh, gen, 200))
            v_option(g, CHANNEL_OPTS, (unsigned)(h % COUNT(CHANNEL_OPTS)));
        return;
    case C_NOTES:
        if (!chance(rh, gen, 400))
            v_text(g, h, 20);
        return;
    case C_SCORE:
        if (!chance(rh, gen, 100))
            v_int(g, (int64_t)(h % 201) - 50);
        return;
    case C_ENGAGEMENT:
        if (!chance(rh, gen, 300))
            v_decimal(g, (int64_t)(h % 9) * 125, 3);
        return;

    /* companies */
    case CO_NAME:
        if (!chance(rh, gen, 10))
            v_company_name(g, K_COMPANY);
        return;
    case CO_DOMAIN: {
        if (chance(rh, gen, 50))
            return;
        sb_t b = {g->scratch, 0};
        sb_puts(&b, PICK(COMPANY_NAMES, kh(rh, K_COMPANY)).slug);
        sb_puts(&b, "-");
        sb_putu(&b, g->idx);
        sb_puts(&b, ".example.com");
        v_done(g, &b);
        return;
    }
    case CO_WEBSITE: {
        if (chance(rh, gen, 200))
            return;
        sb_t b = {g->scratch, 0};
        sb_puts(&b, "https://");
        sb_puts(&b, PICK(COMPANY_NAMES, kh(rh, K_COMPANY)).slug);
        sb_puts(&b, "-");
        sb_putu(&b, g->idx);
        sb_puts(&b, ".example.com");
        v_done(g, &b);
        return;
    }
    case CO_INDUSTRY:
        if (!chance(rh, gen, 150))
            v_option(g, INDUSTRY_OPTS, (unsigned)(h % COUNT(INDUSTRY_OPTS)));
        return;
    case CO_EMPLOYEES:
        if (!chance(rh, gen, 150))
            v_int(g, h % 7 == 0 ? (int64_t)(h % 2000000) : (int64_t)(1 + h % 1000));
        return;
    case CO_REVENUE:
        if (chance(rh, gen, 200))
            return;
        if (h % 9 == 0)
            v_decimal(g, (int64_t)((h >> 8) % 900000000000000ULL), 2); /* up to 9e12 */
        else if (h % 9 == 1)
            v_decimal(g, 5, 1); /* 0.5 */
        else
            v_decimal(g, (int64_t)((h >> 8) % 100000000000ULL), 2);
        return;
    case CO_PHONE:
        if (!chance(rh, gen, 100))
            v_phone(g, h);
        return;
    case CO_FOUNDED:
        if (!chance(rh, gen, 300))
            v_int(g, 1850 + (int64_t)(h % 175));
        return;
    case CO_PUBLIC:
        if (!chance(rh, gen, 200))
            v_bool(g, h % 4 == 0);
        return;
    case CO_TYPE:
        if (!chance(rh, gen, 300))
            v_option(g, COMPANY_TYPE_OPTS, (unsigned)(h % COUNT(COMPANY_TYPE_OPTS)));
        return;
    case CO_DESCRIPTION:
        if (!chance(rh, gen, 300))
            v_text(g, h, 30);
        return;
    case CO_WEBTECH:
        if (!chance(rh, gen, 300))
            v_multi(g, WEBTECH_OPTS, COUNT(WEBTECH_OPTS), h >> 4);
        return;
    case CO_OPEN_DEALS:
        v_int(g, (int64_t)(h % 8));
        return;
    case CO_CLOSEDATE: {
        if (chance(rh, gen, 600))
            return;
        int64_t c = created_ms(rh);
        v_datetime(g, c + (int64_t)(h % (uint64_t)(T_END - c)));
        return;
    }

    /* deals */
    case D_NAME: {
        if (chance(rh, gen, 5))
            return;
        sb_t b = {g->scratch, 0};
        sb_puts(&b, PICK(COMPANY_NAMES, kh(rh, K_COMPANY)).text);
        sb_puts(&b, " – ");
        sb_puts(&b, PICK(PRODUCTS, kh(rh, K_PRODUCT)));
        sb_puts(&b, " #");
        sb_putu(&b, g->idx + 1);
        v_done(g, &b);
        return;
    }
    case D_AMOUNT: {
        if (chance(rh, gen, 80))
            return;
        uint64_t k = h % 100;
        if (k < 3)
            v_decimal(g, -(int64_t)((h >> 8) % 500000), 2); /* refunds */
        else if (k < 5)
            v_decimal(g, 5, 1); /* 0.5 */
        else if (k < 7)
            v_decimal(g, (int64_t)((h >> 8) % 999999999999ULL), 2); /* up to ~1e10 */
        else if (k < 9)
            v_int(g, 0);
        else
            v_decimal(g, (int64_t)((h >> 8) % 100000000ULL), 2);
        return;
    }
    case D_STAGE:
        v_option(g, DEALSTAGE_OPTS, deal_stage(rh));
        return;
    case D_PIPELINE:
        v_option(g, PIPELINE_OPTS, deal_stage(rh) >= 7 ? 1 : 0);
        return;
    case D_CLOSEDATE: {
        if (chance(rh, gen, 100))
            return;
        int64_t c = created_ms(rh);
        v_datetime(g, c + DAY_MS + (int64_t)(h % (uint64_t)(365 * DAY_MS)));
        return;
    }
    case D_PRIORITY:
        if (!chance(rh, gen, 250))
            v_option(g, PRIORITY_OPTS, (unsigned)(h % COUNT(PRIORITY_OPTS)));
        return;
    case D_TYPE:
        if (!chance(rh, gen, 200))
            v_option(g, DEALTYPE_OPTS, (unsigned)(h % COUNT(DEALTYPE_OPTS)));
        return;
    case D_DESCRIPTION:
        if (!chance(rh, gen, 400))
            v_text(g, h, 20);
        return;
    case D_PROBABILITY: {
        int p = DEALSTAGE_PROB10[deal_stage(rh)];
        v_decimal(g, p, 1);
        return;
    }
    case D_IS_CLOSED:
        v_bool(g, deal_closed(deal_stage(rh)));
        return;
    case D_CURRENCY:
        if (!chance(rh, gen, 100))
            v_option(g, CURRENCY_OPTS, (unsigned)(h % COUNT(CURRENCY_OPTS)));
        return;
    case D_NEXT_STEP:
        if (!chance(rh, gen, 500))
            v_static(g, PICK(NEXT_STEPS, h));
        return;
    case D_CONTRACT_START:
        if (!chance(rh, gen, 350))
            v_date(g, created_ms(rh) + (int64_t)(h % 120) * DAY_MS);
        return;
    case D_NUM_CONTACTS:
        v_int(g, (int64_t)(h % 13));
        return;
    case D_TAGS:
        if (!chance(rh, gen, 400))
            v_multi(g, DEAL_TAG_OPTS, COUNT(DEAL_TAG_OPTS), h >> 4);
        return;

    /* tickets */
    case T_SUBJECT: {
        sb_t b = {g->scratch, 0};
        sb_puts(&b, PICK(TICKET_SUBJECTS, h));
        sb_puts(&b, " [T");
        sb_putu(&b, sim_data_id(o, g->idx));
        sb_puts(&b, "]");
        v_done(g, &b);
        return;
    }
    case T_CONTENT:
        if (!chance(rh, gen, 150))
            v_text(g, h, 40);
        return;
    case T_PIPELINE:
        v_option(g, TICKET_PIPELINE_OPTS, 0);
        return;
    case T_STAGE:
        v_option(g, TICKET_STAGE_OPTS, ticket_stage(rh));
        return;
    case T_PRIORITY:
        if (!chance(rh, gen, 150))
            v_option(g, TICKET_PRIORITY_OPTS, (unsigned)(h % COUNT(TICKET_PRIORITY_OPTS)));
        return;
    case T_CATEGORY:
        if (!chance(rh, gen, 200))
            v_multi(g, TICKET_CATEGORY_OPTS, COUNT(TICKET_CATEGORY_OPTS), h >> 4);
        return;
    case T_SOURCE:
        if (!chance(rh, gen, 100))
            v_option(g, SOURCE_OPTS, (unsigned)(h % COUNT(SOURCE_OPTS)));
        return;
    case T_CLOSED_DATE:
        if (ticket_stage(rh) == 3)
            v_datetime(g, ticket_closed_ms(rh));
        return;
    case T_TIME_TO_CLOSE:
        if (ticket_stage(rh) == 3)
            v_int(g, ticket_closed_ms(rh) - created_ms(rh));
        return;
    case T_DUE_DATE:
        if (!chance(rh, gen, 400))
            v_date(g, created_ms(rh) + (int64_t)(1 + h % 60) * DAY_MS);
        return;
    case T_CUSTOMER_PHONE:
        if (!chance(rh, gen, 500))
            v_phone(g, h);
        return;
    case T_ESCALATED:
        if (!chance(rh, gen, 300))
            v_bool(g, h % 10 == 0);
        return;

    /* projects */
    case P_NAME: {
        sb_t b = {g->scratch, 0};
        sb_puts(&b, PICK(PROJECT_TITLES, h));
        sb_puts(&b, " – ");
        sb_puts(&b, PICK(COMPANY_NAMES, kh(rh, K_COMPANY)).text);
        sb_puts(&b, " #");
        sb_putu(&b, g->idx + 1);
        v_done(g, &b);
        return;
    }
    case P_STATUS:
        if (!chance(rh, gen, 30))
            v_option(g, PROJECT_STATUS_OPTS, (unsigned)(h % COUNT(PROJECT_STATUS_OPTS)));
        return;
    case P_BUDGET:
        if (chance(rh, gen, 100))
            return;
        if (h % 20 == 0)
            v_decimal(g, 5, 1); /* 0.5 */
        else if (h % 20 == 1)
            v_int(g, 0);
        else
            v_decimal(g, (int64_t)((h >> 8) % 250000000ULL), 2); /* up to 2.5 million */
        return;
    case P_START:
        if (!chance(rh, gen, 150))
            v_date(g, project_start_ms(rh));
        return;
    case P_DUE:
        if (!chance(rh, gen, 250))
            v_datetime(g, project_start_ms(rh) + 7 * DAY_MS + (int64_t)(h % (uint64_t)(540 * DAY_MS)));
        return;
    default:
        return;
    }
}

void sim_data_value(const sim_object_t *obj, unsigned prop, uint64_t idx, char *scratch, sim_val_t *out)
{
    gen_t g = {obj, idx, rec_hash(obj, idx), scratch, out};
    out->present = 0;
    out->str = NULL;
    out->len = 0;
    out->num = 0;
    out->ms = 0;
    generate(&g, obj->props[prop].gen);
    if (out->present && out->len == 0)
        out->present = 0;
}

void sim_data_write_record(sim_buf_t *b, const sim_object_t *obj, uint64_t idx, uint64_t mask, int with_archived, char *scratch)
{
    char tmp[32];
    uint64_t rh = rec_hash(obj, idx);
    sim_buf_appends(b, "{\"id\":\"");
    sim_buf_append_u64(b, sim_data_id(obj, idx));
    sim_buf_appends(b, "\",\"properties\":{");
    int first = 1;
    for (unsigned i = 0; i < obj->nprops; ++i) {
        if ((mask & ((uint64_t)1 << i)) == 0)
            continue;
        sim_val_t v;
        sim_data_value(obj, i, idx, scratch, &v);
        if (!first)
            sim_buf_appendc(b, ',');
        first = 0;
        sim_buf_appendc(b, '"');
        sim_buf_appends(b, obj->props[i].name);
        sim_buf_appends(b, "\":");
        if (v.present)
            sim_buf_append_json_str(b, v.str, v.len);
        else
            sim_buf_appends(b, "null");
    }
    sim_buf_appends(b, "},\"createdAt\":\"");
    sim_buf_append(b, tmp, sim_fmt_datetime(tmp, created_ms(rh)));
    sim_buf_appends(b, "\",\"updatedAt\":\"");
    sim_buf_append(b, tmp, sim_fmt_datetime(tmp, updated_ms(rh)));
    sim_buf_appends(b, with_archived ? "\",\"archived\":false}" : "\"}");
}

const char *sim_data_type_name(sim_ptype_t t)
{
    switch (t) {
    case SIM_T_STRING:
        return "string";
    case SIM_T_NUMBER:
        return "number";
    case SIM_T_DATE:
        return "date";
    case SIM_T_DATETIME:
        return "datetime";
    case SIM_T_ENUM:
        return "enumeration";
    case SIM_T_BOOL:
        return "bool";
    case SIM_T_PHONE:
        return "phone_number";
    }
    return "string";
}

void sim_data_write_property(sim_buf_t *b, const sim_object_t *obj, const sim_prop_t *p)
{
    /*
     * fixed, plausible schema timestamps: HubSpot-defined properties of standard objects are old, custom ones newer; a
     * custom object's HubSpot-defined properties were created with its schema
     */
    const char *created = !p->hubspot_defined ? "2022-03-14T09:26:53.589Z"
                          : obj->custom       ? SCHEMA_CREATED
                                              : "2019-08-06T02:41:52.184Z";
    const char *updated = !p->hubspot_defined ? "2024-01-22T11:47:08.032Z"
                          : obj->custom       ? SCHEMA_UPDATED
                                              : "2023-11-02T16:05:12.771Z";
    sim_buf_appendf(b, "{\"updatedAt\":\"%s\",\"createdAt\":\"%s\",\"name\":", updated, created);
    sim_buf_append_json_cstr(b, p->name);
    sim_buf_appends(b, ",\"label\":");
    sim_buf_append_json_cstr(b, p->label);
    sim_buf_appendf(b, ",\"type\":\"%s\",\"fieldType\":\"%s\",\"description\":", sim_data_type_name(p->type), p->field_type);
    sim_buf_append_json_cstr(b, p->description);
    sim_buf_appends(b, ",\"groupName\":");
    sim_buf_append_json_cstr(b, p->group);
    sim_buf_appends(b, ",\"options\":[");
    for (unsigned i = 0; i < p->noptions; ++i) {
        if (i != 0)
            sim_buf_appendc(b, ',');
        sim_buf_appends(b, "{\"label\":");
        sim_buf_append_json_cstr(b, p->options[i].label);
        sim_buf_appends(b, ",\"value\":");
        sim_buf_append_json_cstr(b, p->options[i].value);
        sim_buf_appendf(b, ",\"displayOrder\":%u,\"hidden\":%s}", i, p->options[i].hidden ? "true" : "false");
    }
    sim_buf_appendf(b,
                    "],\"displayOrder\":%d,\"calculated\":%s,\"externalOptions\":false,\"hasUniqueValue\":%s,\"hidden\":false,"
                    "\"hubspotDefined\":%s,\"modificationMetadata\":{\"archivable\":%s,\"readOnlyDefinition\":%s,"
                    "\"readOnlyValue\":%s},\"formField\":%s,\"dataSensitivity\":\"non_sensitive\",\"archived\":false}",
                    p->hubspot_defined ? -1 : p->display_order, p->calculated ? "true" : "false", p->unique ? "true" : "false",
                    p->hubspot_defined ? "true" : "false", p->hubspot_defined ? "false" : "true",
                    p->hubspot_defined ? "true" : "false", p->calculated ? "true" : "false",
                    (!p->calculated && p->type != SIM_T_DATETIME) ? "true" : "false");
}

/* appends the names of the required (or else the searchable) properties as a JSON array */
static void write_prop_names(sim_buf_t *b, const sim_object_t *obj, int required)
{
    int first = 1;
    sim_buf_appendc(b, '[');
    for (unsigned i = 0; i < obj->nprops; ++i) {
        if (!(required ? obj->props[i].required : obj->props[i].searchable))
            continue;
        if (!first)
            sim_buf_appendc(b, ',');
        first = 0;
        sim_buf_append_json_cstr(b, obj->props[i].name);
    }
    sim_buf_appendc(b, ']');
}

void sim_data_write_schema(sim_buf_t *b, const sim_object_t *obj)
{
    sim_buf_appendf(b, "{\"id\":\"%s\",\"createdAt\":\"%s\",\"updatedAt\":\"%s\",\"archived\":false,\"properties\":[",
                    obj->schema_id, SCHEMA_CREATED, SCHEMA_UPDATED);
    for (unsigned i = 0; i < obj->nprops; ++i) {
        if (i != 0)
            sim_buf_appendc(b, ',');
        sim_data_write_property(b, obj, &obj->props[i]);
    }
    sim_buf_appends(b, "],\"associations\":[],\"labels\":{\"singular\":");
    sim_buf_append_json_cstr(b, obj->label_singular);
    sim_buf_appends(b, ",\"plural\":");
    sim_buf_append_json_cstr(b, obj->label_plural);
    sim_buf_appends(b, "},\"requiredProperties\":");
    write_prop_names(b, obj, 1);
    sim_buf_appends(b, ",\"searchableProperties\":");
    write_prop_names(b, obj, 0);
    sim_buf_appends(b, ",\"primaryDisplayProperty\":");
    sim_buf_append_json_cstr(b, obj->primary_display);
    sim_buf_appends(b, ",\"secondaryDisplayProperties\":[],\"metaType\":\"PORTAL_SPECIFIC\",\"objectTypeId\":");
    sim_buf_append_json_cstr(b, obj->type_id);
    sim_buf_appends(b, ",\"fullyQualifiedName\":");
    sim_buf_append_json_cstr(b, obj->fq_name);
    sim_buf_appends(b, ",\"name\":");
    sim_buf_append_json_cstr(b, obj->name);
    sim_buf_appendc(b, '}');
}
