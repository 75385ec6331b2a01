"""Minutes text with simple formatting, rendered safely: Markdown without raw HTML, then sanitised."""

import markdown
import nh3
from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a"}


@register.filter
def minutes_text(text: str) -> str:
    # escape first: any HTML the writer typed is shown as text, never interpreted
    html = markdown.markdown(escape(text or ""), extensions=["nl2br", "sane_lists"], output_format="html")
    return mark_safe(  # noqa: S308 - sanitised by nh3 with a closed list of tags and URL schemes
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes={"a": {"href"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
    )
