from django import template

register = template.Library()


@register.filter
def stage_url(worklist, pathway) -> str:
    return worklist.url_for(pathway)
